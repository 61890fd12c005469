/**
 * Helpers every storage adapter shares (sdk/storage/types.ts): argument checks, turning
 * {@link ListOptions} into a key range, and deep-copying values so a caller never aliases what an
 * adapter holds. Selecting from a sorted key list is `store-map.ts`'s.
 *
 * Keys order by UTF-16 code unit, as JavaScript's `<` and IndexedDB compare strings.
 * @module
 */
import { MtChatError } from '../errors.js'
import type { ListOptions, StoredValue } from './types.js'

/** A half-open or closed string range: `lower`/`upper` undefined means unbounded. */
export interface KeyRange {
  lower?: string
  lowerOpen: boolean
  upper?: string
  upperOpen: boolean
}

/** Throws INVALID_ARGUMENT unless `store` and `key` are strings (store non-empty). */
export function checkName(store: unknown, key?: unknown): void {
  if (typeof store !== 'string' || store.length === 0)
    throw new MtChatError('INVALID_ARGUMENT', `"store" expected a non-empty string, got ${typeof store}`, { op: 'storage' })
  if (key !== undefined && typeof key !== 'string')
    throw new MtChatError('INVALID_ARGUMENT', `"key" expected string, got ${typeof key}`, { op: 'storage' })
}

/**
 * The smallest string greater than every string starting with `prefix`, or undefined when there
 * is none (prefix empty or all U+FFFF).
 */
export function prefixEnd(prefix: string): string | undefined {
  let p = prefix
  while (p.length > 0) {
    const last = p.charCodeAt(p.length - 1)
    if (last < 0xffff) return p.slice(0, -1) + String.fromCharCode(last + 1)
    p = p.slice(0, -1)
  }
  return undefined
}

/** The key range a {@link ListOptions} selects (`after` excludes itself, in the list direction). */
export function rangeOf(options: ListOptions = {}): KeyRange {
  const r: KeyRange = { lowerOpen: false, upperOpen: true }
  if (options.prefix) {
    r.lower = options.prefix
    r.upper = prefixEnd(options.prefix)
  }
  if (options.after !== undefined) {
    if (options.reverse) {
      if (r.upper === undefined || options.after <= r.upper) {
        r.upper = options.after
        r.upperOpen = true
      }
    } else if (r.lower === undefined || options.after >= r.lower) {
      r.lower = options.after
      r.lowerOpen = true
    }
  }
  return r
}

/**
 * A deep copy of a value, checking it is a {@link StoredValue} on the way (INVALID_ARGUMENT for
 * functions, class instances other than Uint8Array, non-finite numbers, bigints, cycles).
 */
export function cloneValue<T extends StoredValue>(value: T, seen: Set<object> = new Set()): T {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MtChatError('INVALID_ARGUMENT', `storage value: non-finite number ${value}`, { op: 'storage' })
    return value
  }
  if (value instanceof Uint8Array) return new Uint8Array(value) as T
  if (typeof value !== 'object') throw new MtChatError('INVALID_ARGUMENT', `storage value: ${typeof value} is not storable`, { op: 'storage' })
  if (seen.has(value)) throw new MtChatError('INVALID_ARGUMENT', 'storage value: cyclic structure', { op: 'storage' })
  seen.add(value)
  let out: StoredValue
  if (Array.isArray(value)) out = value.map((v) => cloneValue(v, seen))
  else {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null)
      throw new MtChatError('INVALID_ARGUMENT', `storage value: ${proto?.constructor?.name ?? 'object'} instances are not storable`, { op: 'storage' })
    const obj: Record<string, StoredValue> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) obj[k] = cloneValue(v, seen)
    out = obj
  }
  seen.delete(value)
  return out as T
}
