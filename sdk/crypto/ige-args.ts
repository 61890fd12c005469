/**
 * The argument checks every AES-256-IGE implementation shares, so they fail alike.
 * @module
 */
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'

/**
 * Argument checks shared by every IGE implementation: a 32-byte key and iv (TypeError/RangeError)
 * and non-empty data that is a multiple of 16 bytes (CRYPTO_BAD_LENGTH).
 */
export function checkIgeArgs(key: Uint8Array, iv: Uint8Array, data: Uint8Array, op: string): void {
  assertBytes(key, 'key', 32)
  assertBytes(iv, 'iv', 32)
  assertBytes(data, 'data')
  if (data.length === 0 || data.length % 16 !== 0)
    throw new MtChatError('CRYPTO_BAD_LENGTH', `AES-IGE data must be a non-empty multiple of 16 bytes, got length=${data.length}`, {
      op,
    })
}
