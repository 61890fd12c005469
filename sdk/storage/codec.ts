/**
 * Text encoding of storage values and journal records for the file adapter: JSON with Uint8Array
 * tagged as `{ "$u8": base64 }` (object keys starting with `$` are escaped by doubling it), and a
 * CRC-32 per journal line so a torn or corrupted tail is detected on load. Pure; no Node built-ins.
 * @module
 */
import { fromBase64, toBase64 } from '../util/bytes.js'
import type { StoredValue } from './types.js'

type Json = string | number | boolean | null | Json[] | { [k: string]: Json }

/** A JSON-safe form of a stored value. */
export function encodeValue(v: StoredValue): Json {
  if (v instanceof Uint8Array) return { $u8: toBase64(v) }
  if (Array.isArray(v)) return v.map(encodeValue)
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Json> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k.startsWith('$') ? '$' + k : k] = encodeValue(x)
    return out
  }
  return v
}

/** The stored value a JSON form stands for (inverse of {@link encodeValue}). */
export function decodeValue(j: Json): StoredValue {
  if (Array.isArray(j)) return j.map(decodeValue)
  if (j !== null && typeof j === 'object') {
    const keys = Object.keys(j)
    if (keys.length === 1 && keys[0] === '$u8' && typeof j.$u8 === 'string') return fromBase64(j.$u8)
    const out: Record<string, StoredValue> = {}
    for (const k of keys) out[k.startsWith('$$') ? k.slice(1) : k] = decodeValue(j[k])
    return out
  }
  return j
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** CRC-32 (IEEE 802.3) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const HEX_DIGIT = '0123456789abcdef'
const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

/** One journal line: `crc32 (8 hex) ‖ " " ‖ json ‖ "\n"`. */
export function encodeLine(record: Json): Uint8Array {
  const body = enc.encode(JSON.stringify(record))
  const line = new Uint8Array(body.length + 10)
  line.set(enc.encode(crc32(body).toString(16).padStart(8, '0') + ' '), 0)
  line.set(body, 9)
  line[line.length - 1] = 10
  return line
}

/**
 * Splits journal bytes into records, stopping at the first line that is incomplete or fails its
 * CRC. Returns the records and the byte offset where the valid prefix ends.
 */
export function decodeLines(bytes: Uint8Array): { records: Json[]; validLength: number } {
  const records: Json[] = []
  let pos = 0
  while (pos < bytes.length) {
    const nl = bytes.indexOf(10, pos)
    if (nl < 0 || nl - pos < 10) break
    const body = bytes.subarray(pos + 9, nl)
    let crc = 0
    for (let i = pos; i < pos + 8; i++) {
      const d = HEX_DIGIT.indexOf(String.fromCharCode(bytes[i]))
      crc = d < 0 || crc < 0 ? -1 : crc * 16 + d
    }
    if (bytes[pos + 8] !== 32 || crc !== crc32(body)) break
    try {
      records.push(JSON.parse(dec.decode(body)) as Json)
    } catch {
      break // a CRC collision on garbage: treat as the torn tail
    }
    pos = nl + 1
  }
  return { records, validLength: pos }
}

export type { Json }
