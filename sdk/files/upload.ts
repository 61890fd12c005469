/**
 * Sending a file (docs/PROTOCOL.md §5, §6 `/v1/files`): the plaintext is streamed through the file
 * cipher (AES-256-GCM, 64 KiB chunks, random key) and each sealed chunk is uploaded as it comes
 * out, so memory stays flat whatever the size. Uploads resume: a chunk whose answer was lost is
 * checked against `GET /v1/files/:id/status` and retried, never sent twice by mistake; the relay
 * keeps a partial blob until it is completed.
 * @module
 */
import type { CoreCrypto } from '../crypto/provider.js'
import { FileEncryptor, encryptedFileSize, newFileKey } from '../crypto/file-cipher.js'
import { MtChatError } from '../errors.js'
import type { HttpApi } from '../client/http.js'
import type { StoredFileRef } from '../client/stores.js'
import type { FileSource, Progress } from '../chat/types.js'
import { makeThumbnail } from './thumbnail.js'
import { sourceBytes, sourceSize } from './source.js'

/** Options of {@link uploadFile}. */
export interface UploadOptions {
  name: string
  mime: string
  size?: number
  onProgress?: (p: Progress) => void
  signal?: AbortSignal
  /** Attempts per chunk before giving up (default 5). */
  attempts?: number
  /** Chunks uploaded at once (default 4). */
  parallel?: number
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(t)
      reject(new MtChatError('ABORTED', 'upload aborted', { op: 'chat.sendFile' }))
    }, { once: true })
  })

/** Encrypts and uploads `source`; returns the FileRef to put in a message. */
export async function uploadFile(p: CoreCrypto, http: HttpApi, source: FileSource, o: UploadOptions): Promise<StoredFileRef> {
  const size = sourceSize(source, o.size)
  const fileKey = newFileKey(p)
  const enc = new FileEncryptor(p, fileKey)
  const total = encryptedFileSize(size)
  const thumbnail = typeof Blob !== 'undefined' && source instanceof Blob ? await makeThumbnail(source) : undefined
  // The MIME type stays inside the encrypted message; the relay sees an opaque blob.
  const created = await http.request<{ id: string; chunk_size: number; chunks: number }>('POST', '/v1/files', { body: { size: total }, signal: o.signal })
  let loaded = 0
  let n = 0
  // A few chunks in flight hide the round trips; memory stays at a few 64 KiB chunks.
  const inflight: Promise<void>[] = []
  const parallel = o.parallel ?? 4
  try {
    for await (const chunk of enc.stream(sourceBytes(source, size, o.signal))) {
      inflight.push(
        putChunk(http, created.id, n++, chunk, o).then(() => {
          loaded += chunk.length
          o.onProgress?.({ loaded, total })
        }),
      )
      if (inflight.length >= parallel) await inflight.shift()
    }
    await Promise.all(inflight)
  } catch (err) {
    await Promise.allSettled(inflight)
    throw err
  }
  await http.request('POST', `/v1/files/${created.id}/complete`, { signal: o.signal })
  const digest = enc.digest
  return {
    file_id: created.id,
    key: fileKey.key,
    nonce_prefix: fileKey.noncePrefix,
    size: digest.size,
    sha256: digest.sha256!,
    mime: o.mime.slice(0, 255),
    name: o.name.slice(0, 255),
    ...(thumbnail ? { thumbnail } : {}),
  }
}

/** Uploads one chunk, retrying transient failures; a lost answer is resolved by the status route. */
async function putChunk(http: HttpApi, id: string, n: number, chunk: Uint8Array, o: UploadOptions): Promise<void> {
  const attempts = o.attempts ?? 5
  for (let attempt = 1; ; attempt++) {
    try {
      await http.request('PUT', `/v1/files/${id}/chunks/${n}`, { body: chunk, signal: o.signal })
      return
    } catch (err) {
      const e = MtChatError.is(err) ? err : new MtChatError('CONNECTION_FAILED', String(err), { op: 'chat.sendFile', cause: err })
      const transient = ['CONNECTION_FAILED', 'TIMEOUT', 'UNAVAILABLE', 'INTERNAL', 'RATE_LIMITED'].includes(e.code)
      if (!transient || attempt >= attempts) throw e
      await sleep(Math.min(8000, 250 * 2 ** attempt) + (Number(e.details.retryAfter) || 0) * 1000, o.signal)
      const status = await http.request<{ received: number[] }>('GET', `/v1/files/${id}/status`, { signal: o.signal }).catch(() => undefined)
      if (status?.received.includes(n)) return
    }
  }
}
