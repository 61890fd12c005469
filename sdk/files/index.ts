/**
 * What the client uses of the file pipeline (docs/PROTOCOL.md §5), without loading it: sending a
 * file and the `FileInfo` of a received one. The pipeline itself — the AES-GCM file cipher,
 * upload, download, thumbnails — is `./pipeline.ts`, imported on first use, since most page views
 * never send or open a file.
 * @module
 */
import type { HttpApi } from '../client/http.js'
import type { StoredFileRef } from '../client/stores.js'
import type { FileInfo, FileSource } from '../chat/types.js'
import type { CoreCrypto } from '../crypto/provider.js'
import { lazy } from '../util/lazy.js'
import type { UploadOptions } from './pipeline.js'

const pipeline = lazy('files', () => import('./pipeline.js'))

/** Encrypts and uploads `source`; returns the FileRef to put in a message. */
export async function uploadFile(p: CoreCrypto, http: HttpApi, source: FileSource, o: UploadOptions): Promise<StoredFileRef> {
  return (await pipeline()).uploadFile(p, http, source, o)
}

/** A stream that reads from the one `open` resolves to (errors and cancellation pass through). */
function deferredStream(open: () => Promise<ReadableStream<Uint8Array>>): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  let cancelled: { reason: unknown } | undefined
  return new ReadableStream<Uint8Array>({
    async start() {
      const inner = await open()
      // Cancelled while the code was loading: end the download that just started.
      if (cancelled) await inner.cancel(cancelled.reason)
      else reader = inner.getReader()
    },
    async pull(controller) {
      const { done, value } = await reader!.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    async cancel(reason) {
      cancelled = { reason }
      await reader?.cancel(reason)
    },
  })
}

/** Reads a whole stream into a Blob (only if it ended without error). */
async function toBlob(stream: ReadableStream<Uint8Array>, type: string): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = []
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    parts.push(value as Uint8Array<ArrayBuffer>)
  }
  return new Blob(parts, { type })
}

/** The public FileInfo of a stored FileRef. */
export function fileInfo(p: CoreCrypto, http: HttpApi, ref: StoredFileRef): FileInfo {
  const stream: FileInfo['stream'] = (o) => deferredStream(async () => (await pipeline()).downloadStream(p, http, ref, o))
  return {
    name: ref.name,
    mime: ref.mime,
    size: ref.size,
    ...(ref.thumbnail ? { thumbnail: ref.thumbnail } : {}),
    stream,
    blob: (o) => toBlob(stream(o), ref.mime || 'application/octet-stream'),
  }
}
