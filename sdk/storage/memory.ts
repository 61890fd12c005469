/**
 * In-memory storage: tests, Storybook, and clients that must leave no trace. The adapter
 * (`memory-adapter.ts`) is imported on the first call, so pages on the default IndexedDB storage
 * never load it.
 * @module
 */
import { lazy } from '../util/lazy.js'
import { deferredStorage } from './deferred.js'
import type { StorageAdapter } from './types.js'

const adapter = lazy('memory storage', () => import('./memory-adapter.js'))

/**
 * Storage that lives in memory only: nothing survives the process.
 * @example
 * ```ts
 * const client = createClient({ url, serverKey, token, storage: memoryStorage() })
 * ```
 */
export function memoryStorage(): StorageAdapter {
  return deferredStorage('memory', async () => (await adapter()).openMemoryStorage())
}
