/**
 * Constant-time comparison for secrets: MACs, msg_keys, token hashes. The loop always runs over
 * the whole input and branches only on the lengths, which are public.
 * @module
 */

/** True when `a` and `b` are equal; time depends only on their lengths. */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

/** Overwrites secret bytes with zeros (best effort in a garbage-collected runtime). */
export function wipe(...secrets: (Uint8Array | undefined | null)[]): void {
  for (const s of secrets) s?.fill(0)
}
