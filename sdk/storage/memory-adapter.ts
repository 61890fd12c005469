/**
 * The in-memory {@link StorageAdapter} behind `memoryStorage()` (./memory.ts), loaded on first use.
 * Values are deep-copied in and out, so it behaves like a persistent adapter (no aliasing).
 * @module
 */
import { MtChatError } from '../errors.js'
import { checkName } from './range.js'
import { prepareOps } from './ops.js'
import { StoreMap } from './store-map.js'
import type { ListOptions, StorageAdapter, StorageOp, StoredValue } from './types.js'

/** A fresh, empty in-memory adapter. */
export function openMemoryStorage(): StorageAdapter {
  return new MemoryStorage()
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
