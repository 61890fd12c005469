/**
 * Verification of the two signatures of a published key bundle, over the exact byte strings of
 * docs/PROTOCOL.md §4.1:
 *   identity_dh_sig   = Ed25519_sign(IK, "mt-chat/identity-dh/v1" ‖ IKdh_pub)
 *   signed_prekey.sig = Ed25519_sign(IK, "mt-chat/signed-prekey/v1" ‖ u32le(spk_id) ‖ SPK_pub)
 * Strict RFC 8032 verification (noble with zip215 off: non-canonical encodings rejected), the same
 * rule the SDK applies when it fetches a bundle, so the relay never stores what a client refuses.
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js'

const IDENTITY_DH = new TextEncoder().encode('mt-chat/identity-dh/v1')
const SIGNED_PREKEY = new TextEncoder().encode('mt-chat/signed-prekey/v1')

/** The message signed by `identity_dh_sig`. */
export function identityDhMessage(identityDh: Uint8Array): Uint8Array {
  const m = new Uint8Array(IDENTITY_DH.length + identityDh.length)
  m.set(IDENTITY_DH)
  m.set(identityDh, IDENTITY_DH.length)
  return m
}

/** The message signed by a signed prekey's `sig`. */
export function signedPrekeyMessage(id: number, key: Uint8Array): Uint8Array {
  const m = new Uint8Array(SIGNED_PREKEY.length + 4 + key.length)
  m.set(SIGNED_PREKEY)
  new DataView(m.buffer).setUint32(SIGNED_PREKEY.length, id >>> 0, true)
  m.set(key, SIGNED_PREKEY.length + 4)
  return m
}

/** Strict Ed25519 verification; false for any malformed input. */
export function verifyEd25519(sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}
