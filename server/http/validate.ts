/**
 * Validation of request bodies, query strings and path parameters with valibot: one schema per
 * input, strict objects for bodies (unknown fields are an error, as on the wire), and one
 * BAD_REQUEST message naming the field that failed.
 * @module
 */
import * as v from 'valibot'
import { MtChatError } from '../../sdk/errors.js'

type AnySchema = v.GenericSchema<unknown, unknown>

/** Parses `value` with `schema`; BAD_REQUEST "<where>.<field>: <problem>" otherwise. */
export function parse<S extends AnySchema>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): v.InferOutput<S> {
  const r = v.safeParse(schema, value)
  if (r.success) return r.output
  const issue = r.issues[0]
  const path = v.getDotPath(issue)
  throw new MtChatError('BAD_REQUEST', `${where}${path ? `.${path}` : ''}: ${issue.message}`, { details: { field: path ?? where } })
}

/** A decimal integer in a query or path string. */
export const intString = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,16}$/, 'expected a decimal integer'),
    v.transform(Number),
    v.number(),
    v.minValue(min, `expected ≥ ${min}`),
    v.maxValue(max, `expected ≤ ${max}`),
  )

/** A boolean flag in a query string: 1/true/0/false. */
export const flagString = v.pipe(
  v.picklist(['1', '0', 'true', 'false'], 'expected 1, 0, true or false'),
  v.transform((s) => s === '1' || s === 'true'),
)
