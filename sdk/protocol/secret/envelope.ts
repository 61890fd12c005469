/**
 * The secret-chat envelope (docs/PROTOCOL.md §4.2):
 * ```
 * data      = key_fingerprint (8) ‖ msg_key (16) ‖ AES-256-IGE(aes_key, aes_iv, plaintext)
 * plaintext = length (u32) ‖ payload ‖ padding (12..1024 random, total % 16 = 0)
 * ```
 * with the MTProto 2.0 msg_key/KDF of §1 over the chat key, x = 0 from the chat's initiator and 8
 * from its responder.
 *
 * Opening authenticates first: msg_key is recomputed over the whole decrypted plaintext (padding
 * included) and compared in constant time, and only then are length and padding read (the timing
 * lesson of Albrecht et al. 2022). Because x differs per direction, an envelope reflected to its
 * sender fails the msg_key check.
 * @module
 */
import { wipe } from '../../crypto/ct.js'
import { decryptMessage, type Direction, encryptMessage, MAX_PADDING, MIN_PADDING } from '../../crypto/mtproto2.js'
import type { CryptoProvider } from '../../crypto/provider.js'
import { MtChatError } from '../../errors.js'
import { assertBytes, readU32LE, writeU32LE } from '../../util/bytes.js'
import { MAX_ENVELOPE_BYTES } from '../schemas/types.js'

/** Largest envelope: what the relay accepts as `data` (§3, 256 KiB). */
export const MAX_ENVELOPE_LENGTH = MAX_ENVELOPE_BYTES
/** Smallest envelope: fingerprint, msg_key and one 16-byte block. */
export const MIN_ENVELOPE_LENGTH = 8 + 16 + 16
// Random whole blocks added to the minimum padding so lengths are not exact. Kept small: every
// block costs IGE time on both ends, and the relay sees sizes anyway.
const MAX_EXTRA_BLOCKS = 3

/** Largest payload that fits {@link MAX_ENVELOPE_LENGTH} with the largest padding this side adds. */
export const MAX_PAYLOAD_LENGTH = MAX_ENVELOPE_LENGTH - 24 - 4 - MIN_PADDING - 15 - 16 * MAX_EXTRA_BLOCKS

/**
 * Encrypts `payload` (the UTF-8 JSON of §4.3) under `key` for a sender with offset `x`.
 * @throws MtChatError INVALID_ARGUMENT when the payload is larger than {@link MAX_PAYLOAD_LENGTH}.
 * @example
 * ```ts
 * const data = sealEnvelope(p, chatKey, fingerprint, 0, encodeBody(payload))
 * ```
 */
export function sealEnvelope(
  p: CryptoProvider,
  key: Uint8Array,
  fingerprint: Uint8Array,
  x: Direction,
  payload: Uint8Array,
): Uint8Array {
  assertBytes(fingerprint, 'fingerprint', 8)
  assertBytes(payload, 'payload')
  if (payload.length > MAX_PAYLOAD_LENGTH)
    throw new MtChatError('INVALID_ARGUMENT', `secret payload is ${payload.length} bytes, at most ${MAX_PAYLOAD_LENGTH}`, {
      op: 'secret.seal',
    })
  // One call for all the randomness: byte 0 picks the extra blocks, the rest is the padding.
  const random = p.randomBytes(1 + MIN_PADDING + 15 + 16 * MAX_EXTRA_BLOCKS)
  const pad = MIN_PADDING + ((16 - ((4 + payload.length + MIN_PADDING) % 16)) % 16) + 16 * (random[0] % (MAX_EXTRA_BLOCKS + 1))
  const plaintext = new Uint8Array(4 + payload.length + pad)
  writeU32LE(plaintext, 0, payload.length)
  plaintext.set(payload, 4)
  plaintext.set(random.subarray(1, 1 + pad), 4 + payload.length)
  random.fill(0)
  try {
    return encryptMessage(p, key, fingerprint, x, plaintext)
  } finally {
    wipe(plaintext)
  }
}

/**
 * Checks what can be checked without a key: the envelope's length and block alignment.
 * @throws MtChatError SECRET_BAD_ENVELOPE
 */
export function checkEnvelopeShape(data: Uint8Array): void {
  assertBytes(data, 'data')
  if (data.length < MIN_ENVELOPE_LENGTH || data.length > MAX_ENVELOPE_LENGTH || (data.length - 24) % 16 !== 0)
    throw new MtChatError('SECRET_BAD_ENVELOPE', undefined, { op: 'secret.open', details: { length: data.length } })
}

/** The key_fingerprint an envelope names (its first 8 bytes; a copy). Check the shape first. */
export function envelopeFingerprint(data: Uint8Array): Uint8Array {
  return data.slice(0, 8)
}

/**
 * Decrypts and authenticates an envelope from a sender with offset `x`; returns the payload bytes.
 * The fingerprint is not checked here (the caller picked `key` by it).
 * @throws MtChatError SECRET_BAD_ENVELOPE (shape), SECRET_BAD_MSG_KEY (authentication; tampered,
 *   reflected or wrong key), SECRET_BAD_PAYLOAD (length or padding, after authentication).
 */
export function openEnvelope(p: CryptoProvider, key: Uint8Array, x: Direction, data: Uint8Array): Uint8Array {
  checkEnvelopeShape(data)
  // §4.2: authenticate the whole plaintext before reading any field of it.
  const plaintext = decryptMessage(p, key, x, data)
  if (!plaintext) throw new MtChatError('SECRET_BAD_MSG_KEY', undefined, { op: 'secret.open' })
  try {
    const length = readU32LE(plaintext, 0)
    const pad = plaintext.length - 4 - length
    if (length > plaintext.length - 4 || pad < MIN_PADDING || pad > MAX_PADDING)
      throw new MtChatError('SECRET_BAD_PAYLOAD', 'length field does not leave 12..1024 bytes of padding', {
        op: 'secret.open',
        details: { reason: 'length' },
      })
    return plaintext.slice(4, 4 + length)
  } finally {
    wipe(plaintext)
  }
}
