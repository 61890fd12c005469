/**
 * X25519 (RFC 7748) and Ed25519 (RFC 8032, with the strict verification of docs/PROTOCOL.md §1)
 * for the pure-JS backend, built from the smallest noble parts that do the job:
 * - Ed25519 on `@noble/ed25519` (one self-contained file, same author and audit lineage as
 *   noble-curves) with the synchronous SHA-512 of `@noble/hashes`;
 * - X25519 on `@noble/curves/abstract/montgomery.js` with the curve25519 parameters exactly as
 *   `@noble/curves/ed25519.js` passes them (same ladder, same low-order blocklist), its fixed-base
 *   multiplication on the Edwards base-point tables of `@noble/ed25519` as noble-curves does.
 *
 * `@noble/curves/ed25519.js` itself would bring Ristretto, hash-to-curve, OPRF and FROST along
 * (≈ 14 KB gzipped in a browser bundle, against ≈ 6 KB for this file's imports).
 * @module
 */
import * as ed from '@noble/ed25519'
import { montgomery } from '@noble/curves/abstract/montgomery.js'
import { mod, pow2 } from '@noble/curves/abstract/modular.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { ed25519StrictEncoding } from './ed25519-strict.js'

/** p = 2^255 − 19. */
const P = 2n ** 255n - 19n

/** x^(p − 2) = x^−1 mod p, by the addition chain of noble-curves' `ed25519_pow_2_252_3`. */
function invertP(x: bigint): bigint {
  const x2 = (x * x) % P
  const b2 = (x2 * x) % P // x^3
  const b4 = (pow2(b2, 2n, P) * b2) % P // x^15
  const b5 = (pow2(b4, 1n, P) * x) % P // x^31
  const b10 = (pow2(b5, 5n, P) * b5) % P
  const b20 = (pow2(b10, 10n, P) * b10) % P
  const b40 = (pow2(b20, 20n, P) * b20) % P
  const b80 = (pow2(b40, 40n, P) * b40) % P
  const b160 = (pow2(b80, 80n, P) * b80) % P
  const b240 = (pow2(b160, 80n, P) * b80) % P
  const b250 = (pow2(b240, 10n, P) * b10) % P
  const p58 = (pow2(b250, 2n, P) * x) % P // x^((p − 5) / 8)
  return mod(pow2(p58, 3n, P) * b2, P) // x^(p − 2)
}

/** RFC 7748 §5 scalar clamping (in place, as noble-curves does). */
function adjustScalarBytes(bytes: Uint8Array): Uint8Array {
  bytes[0] &= 248
  bytes[31] &= 127
  bytes[31] |= 64
  return bytes
}

/** Sets the synchronous SHA-512 `@noble/ed25519` needs (its documented wiring), once. */
function edReady(): typeof ed {
  ed.hashes.sha512 ??= sha512
  return ed
}

/**
 * X25519. `getSharedSecret` throws for the low-order u coordinates before running the ladder;
 * the provider maps that to CRYPTO_BAD_KEY.
 */
export const x25519 = /* @__PURE__ */ montgomery({
  P,
  type: 'x25519',
  powPminus2: invertP,
  adjustScalarBytes,
  // [k]B on the birationally equivalent Edwards curve with the cached base tables, mapped back by
  // u = (1 + y) / (1 − y) = (Z + Y) / (Z − Y): ~3× faster than the ladder (libsodium does the same).
  scalarMultBase(k: bigint): bigint {
    const kn = mod(k, ed.Point.CURVE().n) // B has prime order n, so [k]B = [k mod n]B
    if (kn === 0n) return 0n // the identity: montgomery() rejects u = 0 as the ladder would
    const p = edReady().Point.BASE.multiply(kn)
    return mod((p.Z + p.Y) * invertP(mod(p.Z - p.Y, P)), P)
  },
})

/** A fresh Ed25519 key pair; `secretKey` is the 32-byte seed. */
export function ed25519Keygen(): { secretKey: Uint8Array; publicKey: Uint8Array } {
  return edReady().keygen()
}

/** The Ed25519 public key of a 32-byte seed. */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return edReady().getPublicKey(secretKey)
}

/** The RFC 8032 signature of `message` (deterministic). */
export function ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return edReady().sign(message, secretKey)
}

/**
 * Strict Ed25519 verification (docs/PROTOCOL.md §1): the shared encoding checks, then the
 * cofactorless equation checked the way OpenSSL does it, `encode([S]B − [k]A) == R`, so this
 * backend and node:crypto accept exactly the same signatures. (noble's own `verify` checks the
 * cofactored equation, which accepts an R with a torsion component that OpenSSL rejects.)
 */
export function ed25519VerifyStrict(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  if (!(msg instanceof Uint8Array) || !ed25519StrictEncoding(sig, pk)) return false
  const { Point } = edReady()
  try {
    const A = Point.fromBytes(pk, false)
    const r = sig.subarray(0, 32)
    const k = mod(leToBigint(sha512.create().update(r).update(pk).update(msg).digest()), Point.CURVE().n)
    const s = leToBigint(sig.subarray(32, 64)) // < L, checked above
    const R = Point.BASE.multiply(s, false).subtract(A.multiply(k, false)).toBytes()
    let diff = 0
    for (let i = 0; i < 32; i++) diff |= R[i] ^ r[i]
    return diff === 0
  } catch {
    return false // y not on the curve
  }
}

/** Little-endian bytes → bigint (public values only). */
function leToBigint(b: Uint8Array): bigint {
  let n = 0n
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i])
  return n
}
