/**
 * In-memory {@link StorageAdapter}: tests, Storybook, and clients that must leave no trace.
 * Values are deep-copied in and out, so it behaves like a persistent adapter (no aliasing).
 * @module
 */
import { MtChatError } from '../errors.js'
import { checkName, cloneValue, lowerBound, selectKeys } from './range.js'
import type { ListOptions, StorageAdapter, StorageOp, StoredValue } from './types.js'

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

/** Validates and deep-copies a batch, so a bad op rejects the whole batch before anything applies. */
export function prepareOps(ops: readonly StorageOp[]): StorageOp[] {
  if (!Array.isArray(ops)) throw new MtChatError('INVALID_ARGUMENT', '"ops" expected an array', { op: 'storage.batch' })
  return ops.map((op) => {
    checkName(op?.store, op?.key)
    if (op.op === 'set') return { op: 'set', store: op.store, key: op.key, value: cloneValue(op.value) }
    if (op.op === 'delete') return { op: 'delete', store: op.store, key: op.key }
    throw new MtChatError('INVALID_ARGUMENT', `unknown storage op ${String((op as { op?: unknown }).op)}`, { op: 'storage.batch' })
  })
}

class MemoryStorage implements StorageAdapter {
  readonly name = 'memory'
  #data = new StoreMap()
  #closed = false

  #open(): StoreMap {
    if (this.#closed) throw new MtChatError('INVALID_STATE', 'storage is closed', { op: 'storage' })
    return this.#data
  }

  async get<T extends StoredValue = StoredValue>(store: string, key: string): Promise<T | undefined> {
    checkName(store, key)
    return this.#open().get(store, key) as T | undefined
  }

  async set(store: string, key: string, value: StoredValue): Promise<void> {
    await this.batch([{ op: 'set', store, key, value }])
  }

  async delete(store: string, key: string): Promise<void> {
    await this.batch([{ op: 'delete', store, key }])
  }

  async list<T extends StoredValue = StoredValue>(store: string, options?: ListOptions): Promise<{ key: string; value: T }[]> {
    checkName(store)
    return this.#open().list(store, options) as { key: string; value: T }[]
  }

  async batch(ops: StorageOp[]): Promise<void> {
    const data = this.#open()
    data.apply(prepareOps(ops))
  }

  async clear(): Promise<void> {
    this.#open().stores.clear()
  }

  async close(): Promise<void> {
    this.#closed = true
  }
}

/**
 * Storage that lives in memory only: nothing survives the process.
 * @example
 * ```ts
 * const client = createClient({ url, serverKey, token, storage: memoryStorage() })
 * ```
 */
export function memoryStorage(): StorageAdapter {
  return new MemoryStorage()
}
