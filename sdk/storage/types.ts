/**
 * The SDK's storage interface: a small ordered key-value store with named stores, enough for keys,
 * secret-chat state, cached history, the outbox and sync state. Implementations: memory (tests,
 * Storybook), IndexedDB (browser default), file (Node default, mode 0600). One conformance suite
 * (tests/unit/storage/conformance.test.ts) runs unchanged on every implementation.
 *
 * Values are structured data: JSON types plus Uint8Array (at any depth). Keys are strings, ordered
 * by UTF-16 code unit (so zero-padded numbers sort numerically). `batch` is atomic: after a crash
 * either all of its writes are visible or none.
 * @module
 */

/** A value the storage can hold: JSON data plus Uint8Array. */
export type StoredValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | StoredValue[]
  | { [key: string]: StoredValue | undefined }

/** One write of a batch. */
export type StorageOp =
  | {
      /** Store `value`. */
      op: 'set'
      /** The named store. */
      store: string
      /** The key in it. */
      key: string
      /** What to store (copied). */
      value: StoredValue
    }
  | {
      /** Remove the key. */
      op: 'delete'
      /** The named store. */
      store: string
      /** The key in it. */
      key: string
    }

/** Options of {@link StorageAdapter.list}. */
export interface ListOptions {
  /** Only keys starting with this prefix. */
  prefix?: string
  /** Only keys strictly greater than this (or strictly smaller with `reverse`). */
  after?: string
  /** Descending key order. */
  reverse?: boolean
  /** At most this many entries. */
  limit?: number
}

/** The persistence the SDK client runs on. */
export interface StorageAdapter {
  /** Adapter name for diagnostics: "memory", "indexeddb", "file". */
  readonly name: string
  /** The value under `key` in `store` (a copy), or undefined. */
  get<T extends StoredValue = StoredValue>(store: string, key: string): Promise<T | undefined>
  /** Stores a copy of `value` under `key` in `store`. */
  set(store: string, key: string, value: StoredValue): Promise<void>
  /** Removes `key` from `store` (nothing happens when it is absent). */
  delete(store: string, key: string): Promise<void>
  /** Entries of a store in key order. */
  list<T extends StoredValue = StoredValue>(
    store: string,
    options?: ListOptions,
  ): Promise<
    {
      /** The entry's key. */
      key: string
      /** A copy of its value. */
      value: T
    }[]
  >
  /** Applies all ops atomically, in order. */
  batch(ops: StorageOp[]): Promise<void>
  /** Removes every entry of every store (sign-out, tests). */
  clear(): Promise<void>
  /** Flushes and releases the backing resource. */
  close(): Promise<void>
  /**
   * Optional: rewrites the backing files so overwritten and deleted values (e.g. a retired chat
   * key) no longer linger in them. Adapters without such leftovers omit it.
   */
  compact?(): Promise<void>
}
