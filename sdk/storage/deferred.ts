/**
 * A {@link StorageAdapter} whose implementation is imported on first use: every call waits for
 * `open` once, then forwards. For adapters most pages never pick (memory), so their code is not
 * part of the SDK's start-up bundle.
 * @module
 */
import type { ListOptions, StorageAdapter, StorageOp, StoredValue } from './types.js'

/** An adapter named `name` that forwards every call to the one `open` resolves to. */
export function deferredStorage(name: string, open: () => Promise<StorageAdapter>): StorageAdapter {
  let opened: Promise<StorageAdapter> | undefined
  const inner = () =>
    (opened ??= open().catch((err: unknown) => {
      opened = undefined // a chunk that failed to load is tried again on the next call
      throw err
    }))
  return {
    name,
    get: async <T extends StoredValue = StoredValue>(store: string, key: string) => (await inner()).get<T>(store, key),
    set: async (store: string, key: string, value: StoredValue) => (await inner()).set(store, key, value),
    delete: async (store: string, key: string) => (await inner()).delete(store, key),
    list: async <T extends StoredValue = StoredValue>(store: string, options?: ListOptions) => (await inner()).list<T>(store, options),
    batch: async (ops: StorageOp[]) => (await inner()).batch(ops),
    clear: async () => (await inner()).clear(),
    close: async () => (await inner()).close(),
  }
}
