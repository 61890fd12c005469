/**
 * Helpers every storage adapter shares (sdk/storage/types.ts): argument checks, turning
 * {@link ListOptions} into a key range, selecting from a sorted key list, and deep-copying values so
 * a caller never aliases what an adapter holds.
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

/** True when `key` lies in `r`. */
export function inRange(key: string, r: KeyRange): boolean {
  if (r.lower !== undefined && (r.lowerOpen ? key <= r.lower : key < r.lower)) return false
  if (r.upper !== undefined && (r.upperOpen ? key >= r.upper : key > r.upper)) return false
  return true
}

/** Index of the first element of sorted `keys` that is ≥ `key` (binary search). */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid] < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The keys of sorted `keys` that {@link ListOptions} selects, in list order. */
export function selectKeys(keys: readonly string[], options: ListOptions = {}): string[] {
  const r = rangeOf(options)
  const limit = options.limit ?? Infinity
  if (limit <= 0) return []
  let start = r.lower === undefined ? 0 : lowerBound(keys, r.lower)
  if (r.lower !== undefined && r.lowerOpen && keys[start] === r.lower) start++
  let end = r.upper === undefined ? keys.length : lowerBound(keys, r.upper)
  if (r.upper !== undefined && !r.upperOpen && keys[end] === r.upper) end++
  if (end <= start) return []
  const out: string[] = []
  if (options.reverse) for (let i = end - 1; i >= start && out.length < limit; i--) out.push(keys[i])
  else for (let i = start; i < end && out.length < limit; i++) out.push(keys[i])
  return out
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
