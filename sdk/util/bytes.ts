/**
 * Byte helpers shared by every layer: hex and base64, UTF-8, concatenation and little-endian
 * integers (MTProto is little-endian on the wire). Pure and platform-free (no Buffer), so the
 * browser bundle needs no Node built-ins.
 *
 * Secret comparison lives in `sdk/crypto/ct.ts`, not here.
 * @module
 */
import { MtChatError } from '../errors.js'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]]
  return out
}

/** Bytes of a hex string (even length, 0-9a-f, either case). */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`hex expected string, got ${typeof hex}`)
  if (hex.length % 2 !== 0) throw new RangeError(`hex expected even length, got length=${hex.length}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const byte = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
    if (Number.isNaN(byte) || !/^[0-9a-fA-F]{2}$/.test(hex.slice(2 * i, 2 * i + 2)))
      throw new RangeError(`hex has a non-hex character at ${2 * i}`)
    out[i] = byte
  }
  return out
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1)
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i
  t['-'.charCodeAt(0)] = 62 // accept base64url too
  t['_'.charCodeAt(0)] = 63
  return t
})()

/** Standard base64 with padding (RFC 4648 §4), the encoding of byte fields in RPC bodies. */
export function toBase64(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63]
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i] << 16
    out += B64[n >> 18] + B64[(n >> 12) & 63] + '=='
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8)
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '='
  }
  return out
}

/**
 * Decodes standard or URL-safe base64, padded or not. Throws INVALID_ARGUMENT on any other
 * character or an impossible length, so a schema can rely on it to validate.
 */
export function fromBase64(b64: string): Uint8Array {
  if (typeof b64 !== 'string') throw new TypeError(`base64 expected string, got ${typeof b64}`)
  let end = b64.length
  while (end > 0 && b64.charCodeAt(end - 1) === 61 /* = */) end--
  if (b64.length - end > 2 || end % 4 === 1)
    throw new MtChatError('INVALID_ARGUMENT', `base64 has an impossible length ${b64.length}`)
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < end; i++) {
    const c = b64.charCodeAt(i)
    const v = c < 128 ? B64_LOOKUP[c] : -1
    if (v < 0) throw new MtChatError('INVALID_ARGUMENT', `base64 has an invalid character at ${i}`)
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** String of UTF-8 bytes; throws INVALID_ARGUMENT on malformed UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch (cause) {
    throw new MtChatError('INVALID_ARGUMENT', 'malformed UTF-8', { cause })
  }
}

/** Concatenation of byte arrays into a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

/** Non-secret equality (ids, public data). For secrets use `ctEqual` from sdk/crypto. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Reads an unsigned 32-bit little-endian integer. */
export function readU32LE(buf: Uint8Array, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0
}

/** Writes an unsigned 32-bit little-endian integer. */
export function writeU32LE(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value & 0xff
  buf[off + 1] = (value >>> 8) & 0xff
  buf[off + 2] = (value >>> 16) & 0xff
  buf[off + 3] = (value >>> 24) & 0xff
}

/** Reads an unsigned 64-bit little-endian integer as a bigint. */
export function readU64LE(buf: Uint8Array, off: number): bigint {
  return (BigInt(readU32LE(buf, off + 4)) << 32n) | BigInt(readU32LE(buf, off))
}

/** Writes an unsigned 64-bit little-endian integer from a bigint (taken mod 2^64). */
export function writeU64LE(buf: Uint8Array, off: number, value: bigint): void {
  writeU32LE(buf, off, Number(value & 0xffffffffn))
  writeU32LE(buf, off + 4, Number((value >> 32n) & 0xffffffffn))
}

/** Throws a precise TypeError/RangeError unless `value` is a Uint8Array (of `length`, if given). */
export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TypeError(`"${name}" expected Uint8Array, got ${value === null ? 'null' : typeof value}`)
  if (length !== undefined && value.length !== length)
    throw new RangeError(`"${name}" expected Uint8Array of length ${length}, got length=${value.length}`)
}
