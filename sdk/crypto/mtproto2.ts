/**
 * MTProto 2.0 message key, KDF and key id (docs/PROTOCOL.md §1; core.telegram.org/mtproto/description
 * "Defining AES Key and Initialization Vector"), and the encrypted message both layers are made of,
 * `key_id (8) ‖ msg_key (16) ‖ AES-256-IGE(aes_key, aes_iv, plaintext)`: the layer-1 frame (§2.3,
 * with the auth_key) and the secret envelope (§4.2, with the chat key). x = 0 from the side that
 * started the session/chat, 8 from the other.
 * @module
 */
import type { CoreCrypto, CryptoProvider } from './provider.js'
import { ctEqual, wipe } from './ct.js'
import { assertBytes } from '../util/bytes.js'

/** The least padding a plaintext carries (§2.3, §4.2). */
export const MIN_PADDING = 12
/** The most padding a plaintext may carry (§2.3, §4.2). */
export const MAX_PADDING = 1024

/** The sender offset of MTProto 2.0: 0 for the side that started, 8 for the other. */
export type Direction = 0 | 8

function checkKey(key: Uint8Array): void {
  assertBytes(key, 'key', 256)
}

/** msg_key = SHA256(key[88+x : 120+x] ‖ plaintext)[8:24]. */
export function msgKey(p: CoreCrypto, key: Uint8Array, plaintext: Uint8Array, x: Direction): Uint8Array {
  checkKey(key)
  return p.sha256(key.subarray(88 + x, 120 + x), plaintext).slice(8, 24)
}

/** aes_key and aes_iv for a message from msg_key (both 32 bytes). */
export function kdf(p: CoreCrypto, key: Uint8Array, msgKeyBytes: Uint8Array, x: Direction): { aesKey: Uint8Array; aesIv: Uint8Array } {
  checkKey(key)
  assertBytes(msgKeyBytes, 'msgKey', 16)
  const a = p.sha256(msgKeyBytes, key.subarray(x, x + 36))
  const b = p.sha256(key.subarray(40 + x, 76 + x), msgKeyBytes)
  const aesKey = new Uint8Array(32)
  aesKey.set(a.subarray(0, 8), 0)
  aesKey.set(b.subarray(8, 24), 8)
  aesKey.set(a.subarray(24, 32), 24)
  const aesIv = new Uint8Array(32)
  aesIv.set(b.subarray(0, 8), 0)
  aesIv.set(a.subarray(8, 24), 8)
  aesIv.set(b.subarray(24, 32), 24)
  a.fill(0)
  b.fill(0)
  return { aesKey, aesIv }
}

/** auth_key_id / key_fingerprint: the low 64 bits of SHA1(key), i.e. SHA1(key)[12:20]. */
export function keyId(p: CryptoProvider, key: Uint8Array): Uint8Array {
  return keyIdOf(p.sha1(key))
}

/** The key id in a SHA1(key) digest (its bytes 12..20), for SHA-1 computed elsewhere (WebCrypto). */
export function keyIdOf(sha1: Uint8Array): Uint8Array {
  return sha1.slice(12, 20)
}

/**
 * `keyIdBytes (8) ‖ msg_key (16) ‖ AES-256-IGE(plaintext)`: msg_key over the whole plaintext (a
 * non-empty multiple of 16, padding included) with the sender's `x`, then the KDF and IGE.
 */
export function encryptMessage(p: CoreCrypto, key: Uint8Array, keyIdBytes: Uint8Array, x: Direction, plaintext: Uint8Array): Uint8Array {
  const mk = msgKey(p, key, plaintext, x)
  const { aesKey, aesIv } = kdf(p, key, mk, x)
  try {
    const ct = p.igeEncrypt(aesKey, aesIv, plaintext)
    const out = new Uint8Array(24 + ct.length)
    out.set(keyIdBytes, 0)
    out.set(mk, 8)
    out.set(ct, 24)
    return out
  } finally {
    wipe(aesKey, aesIv)
  }
}

/**
 * Decrypts `key_id ‖ msg_key ‖ ciphertext` from a sender with offset `x` and authenticates it:
 * msg_key recomputed over the whole plaintext, compared in constant time. The plaintext, or
 * `undefined` (the plaintext wiped) when it does not authenticate; no field of it is read here,
 * so a caller reads length and padding only after this. The caller has checked the key id and
 * that the ciphertext is a non-empty multiple of 16 bytes.
 */
export function decryptMessage(p: CoreCrypto, key: Uint8Array, x: Direction, data: Uint8Array): Uint8Array | undefined {
  const mk = data.subarray(8, 24)
  const { aesKey, aesIv } = kdf(p, key, mk, x)
  let plaintext: Uint8Array
  try {
    plaintext = p.igeDecrypt(aesKey, aesIv, data.subarray(24))
  } finally {
    wipe(aesKey, aesIv)
  }
  if (ctEqual(msgKey(p, key, plaintext, x), mk)) return plaintext
  wipe(plaintext)
  return undefined
}
