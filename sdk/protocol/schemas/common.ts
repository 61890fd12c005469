/**
 * Building blocks for the body schemas of docs/PROTOCOL.md (valibot), and the JSON body codec.
 *
 * Conventions (PROTOCOL.md "Conventions"): bodies are UTF-8 JSON objects with a `_` type; byte
 * strings travel as standard base64 and decode to Uint8Array; 64-bit ids travel as decimal strings
 * and decode to bigint; unknown fields are rejected (strict objects). `encodeBody` is the inverse of
 * decoding: Uint8Array → base64, bigint → decimal string.
 * @module
 */
import * as v from 'valibot'
import { MtChatError } from '../../errors.js'
import { fromBase64, fromUtf8, toBase64, utf8 } from '../../util/bytes.js'

const U64_MAX = (1n << 64n) - 1n
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** A 64-bit unsigned id as a decimal string on the wire, bigint in memory. */
export const u64 = v.pipe(
  v.string(),
  v.regex(/^(?:0|[1-9][0-9]{0,19})$/, 'expected a decimal u64'),
  v.transform((s) => BigInt(s)),
  v.check((n) => n <= U64_MAX, 'u64 out of range'),
)

/**
 * Bytes as standard base64 on the wire, Uint8Array in memory. `exact` fixes the decoded length,
 * `max` bounds it (checked on the string first, so a huge string is never decoded).
 */
export function bytes(opts: { exact?: number; min?: number; max?: number } = {}) {
  const maxBytes = opts.exact ?? opts.max
  const maxChars = maxBytes === undefined ? Infinity : 4 * Math.ceil(maxBytes / 3)
  return v.pipe(
    v.string(),
    v.check((s: string) => s.length <= maxChars, 'base64 too long'),
    v.regex(BASE64_RE, 'expected standard base64'),
    v.transform((s: string) => fromBase64(s)),
    v.check(
      (b: Uint8Array) =>
        (opts.exact === undefined || b.length === opts.exact) &&
        (opts.min === undefined || b.length >= opts.min) &&
        (opts.max === undefined || b.length <= opts.max),
      `wrong byte length (expected ${opts.exact ?? `${opts.min ?? 0}..${opts.max ?? '∞'}`})`,
    ),
  )
}

/** 16 lowercase hex characters: random_id, chat_id, exchange_id. */
export const hex16 = v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex characters'))

/** A user id: a positive safe integer. */
export const userId = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER))

/** A non-negative safe integer (counters, pts, message ids, sizes). */
export const uint = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER))

/** A device id: 1..64 of [A-Za-z0-9_-]. */
export const deviceId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1..64 of [A-Za-z0-9_-]'))

/** A date in unix milliseconds. */
export const date = uint

/** Serializes a body: JSON with Uint8Array → base64 and bigint → decimal string. */
export function encodeBody(body: object): Uint8Array {
  // A copy-on-write walk and a plain stringify: about a third cheaper than a JSON replacer,
  // which costs a call per value, and this runs once per frame.
  return utf8(JSON.stringify(toWire(body)))
}

/**
 * `value` in its JSON wire form without the JSON: every Uint8Array as base64, every bigint as a
 * decimal string (what the schemas take on receipt); never mutates, shares what needs no change.
 */
export function toWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint' ? value.toString() : value
  if (value instanceof Uint8Array) return toBase64(value)
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const w = toWire(value[i])
      if (w !== value[i]) (out ??= value.slice())[i] = w
    }
    return out ?? value
  }
  let out: Record<string, unknown> | undefined
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key]
    const w = toWire(v)
    if (w !== v) (out ??= { ...value } as Record<string, unknown>)[key] = w
  }
  return out ?? value
}

/** Parses body bytes as a JSON object with a string `_`; SCHEMA_INVALID otherwise. */
export function parseBody(data: Uint8Array, op = 'body.decode'): { _: string } & Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(data))
  } catch (cause) {
    throw new MtChatError('SCHEMA_INVALID', 'body is not UTF-8 JSON', { op, cause })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { _?: unknown })._ !== 'string')
    throw new MtChatError('SCHEMA_INVALID', 'body is not a JSON object with a string "_"', { op })
  return value as { _: string } & Record<string, unknown>
}

/** Validates `value` against `schema`; SCHEMA_INVALID naming the first failing field otherwise. */
export function validate<S extends v.GenericSchema>(schema: S, value: unknown, op: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value)
  if (result.success) return result.output
  const issue = result.issues[0]
  const path = v.getDotPath(issue) ?? '(root)'
  throw new MtChatError('SCHEMA_INVALID', `${op}: ${path}: ${issue.message}`, { op, details: { path } })
}
