/**
 * Layer-1 frame codec (docs/PROTOCOL.md §2.1, §2.3, §2.4 pre-authentication checks).
 *
 * Unencrypted (handshake only): `auth_key_id = 0 (8) ‖ msg_id (8) ‖ length (4) ‖ body`.
 * Encrypted: `auth_key_id (8) ‖ msg_key (16) ‖ AES-256-IGE(plaintext)` with
 * `plaintext = salt (8) ‖ session_id (8) ‖ msg_id (8) ‖ seq_no (4) ‖ length (4) ‖ body ‖ padding`.
 *
 * {@link openFrame} authenticates before it parses: msg_key is recomputed over the whole decrypted
 * plaintext and compared in constant time before the length or padding is read (Albrecht et al.
 * 2022, attack 3). Its failures are a code, never an exception, and carry nothing else.
 * @module
 */
import type { CoreCrypto } from '../crypto/provider.js'
import { decryptMessage, encryptMessage, MAX_PADDING, MIN_PADDING, type Direction } from '../crypto/mtproto2.js'
import { MtChatError } from '../errors.js'
import { readU32LE, readU64LE, writeU32LE, writeU64LE } from '../util/bytes.js'

/** Bytes of an unencrypted frame before its body: auth_key_id, msg_id, length. */
export const PLAIN_HEADER_SIZE = 20
/** Bytes of an encrypted frame before its ciphertext: auth_key_id, msg_key. */
export const ENCRYPTED_HEADER_SIZE = 24
/** Bytes of the plaintext before the body: salt, session_id, msg_id, seq_no, length. */
export const PLAINTEXT_HEADER_SIZE = 32
/** The smallest encrypted frame §2.4 check 1 lets through to decryption. */
export const MIN_ENCRYPTED_FRAME_SIZE = ENCRYPTED_HEADER_SIZE + 32
/** The padding bounds of §2.3 (the same for secret envelopes, §4.2). */
export { MAX_PADDING, MIN_PADDING }
/** The default maximum frame size: 1 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 1 << 20

/** The pre-authentication failures of §2.4, in check order. */
export type PreAuthCode =
  | 'FRAME_TOO_SHORT'
  | 'FRAME_TOO_LARGE'
  | 'FRAME_BAD_ALIGNMENT'
  | 'FRAME_UNKNOWN_KEY'
  | 'FRAME_BAD_MSG_KEY'
  | 'FRAME_BAD_LENGTH'
  | 'FRAME_BAD_PADDING'

/** The plaintext header fields of an encrypted frame. */
export interface FrameHeader {
  /** 8 bytes. */
  salt: Uint8Array
  /** 8 bytes. */
  sessionId: Uint8Array
  msgId: bigint
  seqNo: number
}

/** An authenticated frame's fields; `body` is a view into the decrypted plaintext. */
export interface OpenedFrame extends FrameHeader {
  ok: true
  body: Uint8Array
}

/** The result of {@link openFrame}: the fields, or the first failing pre-authentication check. */
export type OpenResult = OpenedFrame | { ok: false; code: PreAuthCode }

const isZero = (b: Uint8Array, from: number, to: number) => {
  let acc = 0
  for (let i = from; i < to; i++) acc |= b[i]
  return acc === 0
}

/** True when `frame` is unencrypted (auth_key_id = 0), i.e. a handshake frame. */
export function isPlainFrame(frame: Uint8Array): boolean {
  return frame.length >= 8 && isZero(frame, 0, 8)
}

/**
 * Encodes an unencrypted frame (§2.1).
 * @example
 * ```ts
 * const frame = encodePlainFrame(msgId, hsInitBody) // 20 + 56 bytes
 * ```
 */
export function encodePlainFrame(msgId: bigint, body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(PLAIN_HEADER_SIZE + body.length)
  writeU64LE(frame, 8, msgId)
  writeU32LE(frame, 16, body.length)
  frame.set(body, PLAIN_HEADER_SIZE)
  return frame
}

/**
 * Decodes an unencrypted frame: auth_key_id must be 0 and the frame exactly `20 + length` bytes.
 * @throws MtChatError HANDSHAKE_BAD_FRAME otherwise.
 */
export function decodePlainFrame(frame: Uint8Array): { msgId: bigint; body: Uint8Array } {
  const bad = (why: string) => new MtChatError('HANDSHAKE_BAD_FRAME', `unencrypted frame: ${why}`, { op: 'frame.decodePlain' })
  if (frame.length < PLAIN_HEADER_SIZE) throw bad(`too short (${frame.length} bytes)`)
  if (!isZero(frame, 0, 8)) throw bad('auth_key_id is not 0')
  const length = readU32LE(frame, 16)
  if (length !== frame.length - PLAIN_HEADER_SIZE) throw bad(`length field ${length} does not match ${frame.length - PLAIN_HEADER_SIZE} body bytes`)
  return { msgId: readU64LE(frame, 8), body: frame.subarray(PLAIN_HEADER_SIZE) }
}

/**
 * The padding length for a body: the smallest of 12..27 that aligns the plaintext to 16 bytes,
 * plus `extraBlocks` whole blocks (which hide the exact length).
 */
export function paddingLength(bodyLength: number, extraBlocks = 0): number {
  const unpadded = PLAINTEXT_HEADER_SIZE + bodyLength + MIN_PADDING
  return MIN_PADDING + ((16 - (unpadded % 16)) % 16) + 16 * extraBlocks
}

/**
 * Builds a plaintext (§2.3). `padding` must be 12..1024 bytes and align the total to 16.
 * @throws RangeError on a padding that breaks §2.3.
 */
export function buildPlaintext(header: FrameHeader, body: Uint8Array, padding: Uint8Array): Uint8Array {
  const total = PLAINTEXT_HEADER_SIZE + body.length + padding.length
  if (padding.length < MIN_PADDING || padding.length > MAX_PADDING || total % 16 !== 0)
    throw new RangeError(`"padding" expected 12..1024 bytes aligning the plaintext to 16, got length=${padding.length}`)
  const pt = new Uint8Array(total)
  writeHeader(pt, header, body.length)
  pt.set(body, PLAINTEXT_HEADER_SIZE)
  pt.set(padding, PLAINTEXT_HEADER_SIZE + body.length)
  return pt
}

/** Writes salt, session_id, msg_id, seq_no and length into the first 32 bytes of `pt`. */
export function writeHeader(pt: Uint8Array, h: FrameHeader, bodyLength: number): void {
  pt.set(h.salt, 0)
  pt.set(h.sessionId, 8)
  writeU64LE(pt, 16, h.msgId)
  writeU32LE(pt, 24, h.seqNo)
  writeU32LE(pt, 28, bodyLength)
}

/**
 * Encrypts a plaintext into a frame (§2.3): msg_key over the whole plaintext with the sender's
 * `x` (0 client → relay, 8 relay → client), then the MTProto 2.0 KDF and AES-256-IGE. The
 * plaintext is not checked beyond being a multiple of 16 (use {@link buildPlaintext}).
 */
export function sealFrame(p: CoreCrypto, authKey: Uint8Array, authKeyId: Uint8Array, x: Direction, plaintext: Uint8Array): Uint8Array {
  return encryptMessage(p, authKey, authKeyId, x, plaintext)
}

/**
 * Decrypts and authenticates a frame, running the pre-authentication checks of §2.4 in order:
 * size, alignment, auth_key_id, msg_key (recomputed over the whole plaintext, constant-time),
 * then length and padding. `x` is the sender's (8 for frames from the relay).
 */
export function openFrame(
  p: CoreCrypto,
  authKey: Uint8Array,
  authKeyId: Uint8Array,
  x: Direction,
  frame: Uint8Array,
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE,
): OpenResult {
  if (frame.length < MIN_ENCRYPTED_FRAME_SIZE) return { ok: false, code: 'FRAME_TOO_SHORT' }
  if (frame.length > maxFrameSize) return { ok: false, code: 'FRAME_TOO_LARGE' }
  if ((frame.length - ENCRYPTED_HEADER_SIZE) % 16 !== 0) return { ok: false, code: 'FRAME_BAD_ALIGNMENT' }
  // auth_key_id is public (it is sent in clear), so an early-exit comparison leaks nothing.
  for (let i = 0; i < 8; i++) if (frame[i] !== authKeyId[i]) return { ok: false, code: 'FRAME_UNKNOWN_KEY' }
  const pt = decryptMessage(p, authKey, x, frame)
  if (!pt) return { ok: false, code: 'FRAME_BAD_MSG_KEY' }
  // Only now, with the plaintext authenticated, are its fields read (§2.4 check 5).
  const length = readU32LE(pt, 28)
  const room = pt.length - PLAINTEXT_HEADER_SIZE
  if (length > room) return { ok: false, code: 'FRAME_BAD_LENGTH' }
  const padding = room - length
  if (padding < MIN_PADDING || padding > MAX_PADDING) return { ok: false, code: 'FRAME_BAD_PADDING' }
  return {
    ok: true,
    salt: pt.subarray(0, 8),
    sessionId: pt.subarray(8, 16),
    msgId: readU64LE(pt, 16),
    seqNo: readU32LE(pt, 24),
    body: pt.subarray(PLAINTEXT_HEADER_SIZE, PLAINTEXT_HEADER_SIZE + length),
  }
}
