/**
 * The in-memory stores the map-backed adapters share (memory, file). Values are deep-copied out
 * (no aliasing).
 * @module
 */
import { cloneValue, rangeOf } from './range.js'
import type { ListOptions, StorageOp, StoredValue } from './types.js'

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

/** One named store: values plus a lazily re-sorted key list for ordered listing. */
export class SortedStore {
  readonly values = new Map<string, StoredValue>()
  #keys: string[] = []
  #sorted = true

  set(key: string, value: StoredValue): void {
    if (!this.values.has(key)) {
      this.#keys.push(key)
      this.#sorted = this.#sorted && (this.#keys.length < 2 || this.#keys[this.#keys.length - 2] < key)
    }
    this.values.set(key, value)
  }

  delete(key: string): void {
    if (!this.values.delete(key)) return
    if (this.#sorted) this.#keys.splice(lowerBound(this.#keys, key), 1)
    else this.#keys.splice(this.#keys.indexOf(key), 1)
  }

  keys(options?: ListOptions): string[] {
    if (!this.#sorted) {
      this.#keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      this.#sorted = true
    }
    return selectKeys(this.#keys, options)
  }
}

/** The state every in-memory-backed adapter (memory, file) shares. */
export class StoreMap {
  readonly stores = new Map<string, SortedStore>()

  store(name: string, create: true): SortedStore
  store(name: string, create?: false): SortedStore | undefined
  store(name: string, create = false): SortedStore | undefined {
    let s = this.stores.get(name)
    if (!s && create) this.stores.set(name, (s = new SortedStore()))
    return s
  }

  /** Applies already-validated ops in order. */
  apply(ops: readonly StorageOp[]): void {
    for (const op of ops) {
      if (op.op === 'set') this.store(op.store, true).set(op.key, op.value)
      else this.store(op.store)?.delete(op.key)
    }
  }

  get(store: string, key: string): StoredValue | undefined {
    const v = this.store(store)?.values.get(key)
    return v === undefined ? undefined : cloneValue(v)
  }

  list(store: string, options?: ListOptions): { key: string; value: StoredValue }[] {
    const s = this.store(store)
    if (!s) return []
    return s.keys(options).map((key) => ({ key, value: cloneValue(s.values.get(key)!) }))
  }
}
