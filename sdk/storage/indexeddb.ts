/**
 * IndexedDB {@link StorageAdapter}, the browser default. One database per client (name from the
 * options), one object store `kv` keyed by `[store, key]`: compound keys compare element-wise and
 * strings by UTF-16 code unit, which is exactly the order the interface promises. A batch is one
 * readwrite transaction with `durability: "strict"` (resolved only once it is on disk), so a
 * message is never acked before it is stored. Values are kept by structured clone (Uint8Array
 * survives as is).
 * @module
 */
import { MtChatError } from '../errors.js'
import { prepareOps } from './ops.js'
import { checkName, rangeOf } from './range.js'
import type { ListOptions, StorageAdapter, StorageOp, StoredValue } from './types.js'

/** Options of {@link indexedDbStorage}. */
export interface IndexedDbStorageOptions {
  /** Database name; one per client identity (default `"mt-chat"`). */
  name?: string
  /** The IndexedDB factory (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactory
  /** Transaction durability for writes (default `"strict"`). */
  durability?: 'strict' | 'relaxed' | 'default'
}

const KV = 'kv'
const fail = (op: string, cause: unknown) =>
  MtChatError.is(cause) ? cause : new MtChatError('STORAGE_FAILED', `indexeddb: ${op} failed`, { op: `storage.${op}`, cause })

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'))
  })
}

class IndexedDbStorage implements StorageAdapter {
  readonly name = 'indexeddb'
  readonly #dbName: string
  readonly #factory: IDBFactory | undefined
  readonly #durability: 'strict' | 'relaxed' | 'default'
  #db: Promise<IDBDatabase> | undefined
  #closed = false

  constructor(options: IndexedDbStorageOptions = {}) {
    this.#dbName = options.name ?? 'mt-chat'
    this.#factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
    this.#durability = options.durability ?? 'strict'
  }

  #open(): Promise<IDBDatabase> {
    if (this.#closed) return Promise.reject(new MtChatError('INVALID_STATE', 'storage is closed', { op: 'storage' }))
    const factory = this.#factory
    if (!factory) return Promise.reject(new MtChatError('NOT_SUPPORTED', 'IndexedDB is not available here; pass another storage', { op: 'storage.open' }))
    return (this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(this.#dbName, 1)
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(KV)) req.result.createObjectStore(KV)
      }
      req.onsuccess = () => {
        const db = req.result
        // Another tab upgrading or deleting the database: let it, we reopen on next use.
        db.onversionchange = () => {
          db.close()
          this.#db = undefined
        }
        resolve(db)
      }
      req.onerror = () => reject(req.error)
      req.onblocked = () => reject(new Error('database open blocked by another connection'))
    }).catch((err) => {
      this.#db = undefined
      throw fail('open', err)
    }))
  }

  async #tx(mode: IDBTransactionMode): Promise<IDBTransaction> {
    const db = await this.#open()
    return mode === 'readwrite' ? db.transaction(KV, mode, { durability: this.#durability }) : db.transaction(KV, mode)
  }

  async get<T extends StoredValue = StoredValue>(store: string, key: string): Promise<T | undefined> {
    checkName(store, key)
    try {
      const tx = await this.#tx('readonly')
      return (await request(tx.objectStore(KV).get([store, key]))) as T | undefined
    } catch (err) {
      throw fail('get', err)
    }
  }

  async list<T extends StoredValue = StoredValue>(store: string, options: ListOptions = {}): Promise<{ key: string; value: T }[]> {
    checkName(store)
    const limit = options.limit ?? Infinity
    if (limit <= 0) return []
    const r = rangeOf(options)
    // IDBKeyRange.bound throws on an empty range; the interface answers [].
    if (r.lower !== undefined && r.upper !== undefined && (r.lower > r.upper || (r.lower === r.upper && (r.lowerOpen || r.upperOpen)))) return []
    // [store, []] sorts after every [store, <string>]: arrays are greater than strings in IndexedDB.
    const range = IDBKeyRange.bound([store, r.lower ?? ''], r.upper === undefined ? [store, []] : [store, r.upper], r.lowerOpen, r.upperOpen)
    try {
      const tx = await this.#tx('readonly')
      const kv = tx.objectStore(KV)
      if (!options.reverse) {
        const n = Number.isFinite(limit) ? limit : undefined
        const [keys, values] = await Promise.all([request(kv.getAllKeys(range, n)), request(kv.getAll(range, n))])
        return keys.map((k, i) => ({ key: (k as [string, string])[1], value: values[i] as T }))
      }
      const out: { key: string; value: T }[] = []
      await new Promise<void>((resolve, reject) => {
        const req = kv.openCursor(range, 'prev')
        req.onerror = () => reject(req.error)
        req.onsuccess = () => {
          const cursor = req.result
          if (!cursor) return resolve()
          out.push({ key: (cursor.key as [string, string])[1], value: cursor.value as T })
          if (out.length >= limit) return resolve()
          cursor.continue()
        }
      })
      return out
    } catch (err) {
      throw fail('list', err)
    }
  }

  async set(store: string, key: string, value: StoredValue): Promise<void> {
    await this.batch([{ op: 'set', store, key, value }])
  }

  async delete(store: string, key: string): Promise<void> {
    await this.batch([{ op: 'delete', store, key }])
  }

  async batch(ops: StorageOp[]): Promise<void> {
    const prepared = prepareOps(ops)
    if (prepared.length === 0) return
    try {
      const tx = await this.#tx('readwrite')
      const kv = tx.objectStore(KV)
      const finished = done(tx)
      for (const op of prepared) {
        if (op.op === 'set') kv.put(op.value, [op.store, op.key])
        else kv.delete([op.store, op.key])
      }
      await finished
    } catch (err) {
      throw fail('batch', err)
    }
  }

  async clear(): Promise<void> {
    try {
      const tx = await this.#tx('readwrite')
      const finished = done(tx)
      tx.objectStore(KV).clear()
      await finished
    } catch (err) {
      throw fail('clear', err)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const db = await this.#db?.catch(() => undefined)
    db?.close()
    this.#db = undefined
  }
}

/**
 * Storage in the browser's IndexedDB, the default in browsers.
 * @example
 * ```ts
 * const client = createClient({ url, serverKey, token, storage: indexedDbStorage({ name: 'mt-chat:alice' }) })
 * ```
 */
export function indexedDbStorage(options?: IndexedDbStorageOptions): StorageAdapter {
  return new IndexedDbStorage(options)
}
