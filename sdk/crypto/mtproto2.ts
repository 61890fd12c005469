/**
 * MTProto 2.0 message key, KDF and key id (docs/PROTOCOL.md §1; core.telegram.org/mtproto/description
 * "Defining AES Key and Initialization Vector"). Used with the transport auth_key (layer 1) and with
 * secret-chat keys (layer 2). x = 0 from the side that started the session/chat, 8 from the other.
 * @module
 */
import type { CryptoProvider } from './provider.js'
import { assertBytes } from '../util/bytes.js'

/** The sender offset of MTProto 2.0: 0 for the side that started, 8 for the other. */
export type Direction = 0 | 8

function checkKey(key: Uint8Array): void {
  assertBytes(key, 'key', 256)
}

/** msg_key = SHA256(key[88+x : 120+x] ‖ plaintext)[8:24]. */
export function msgKey(p: CryptoProvider, key: Uint8Array, plaintext: Uint8Array, x: Direction): Uint8Array {
  checkKey(key)
  return p.sha256(key.subarray(88 + x, 120 + x), plaintext).slice(8, 24)
}

/** aes_key and aes_iv for a message from msg_key (both 32 bytes). */
export function kdf(p: CryptoProvider, key: Uint8Array, msgKeyBytes: Uint8Array, x: Direction): { aesKey: Uint8Array; aesIv: Uint8Array } {
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
  return p.sha1(key).slice(12, 20)
}
