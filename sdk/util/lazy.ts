/**
 * Code loaded on first use (`import()`), for the parts of the SDK most pages never run at start-up:
 * the file pipeline, the long-polling fallback, verification codes, noble's AES-GCM. In the
 * browser build each becomes its own chunk next to `mt-chat.min.js`; an app's bundler splits them
 * the same way.
 * @module
 */
import { MtChatError } from '../errors.js'

/**
 * A loader that imports once and shares the promise. A failed load (the chunk could not be
 * fetched) rejects with CHUNK_LOAD_FAILED and is tried again on the next call.
 *
 * @example
 * ```ts
 * const files = lazy('files', () => import('../files/pipeline.js'))
 * const { uploadFile } = await files()
 * ```
 */
export function lazy<T>(name: string, load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () =>
    (pending ??= load().catch((cause: unknown) => {
      pending = undefined
      throw new MtChatError('CHUNK_LOAD_FAILED', `could not load the ${name} part of mt-chat: ${String(cause)}`, { op: `load.${name}`, cause })
    }))
}
