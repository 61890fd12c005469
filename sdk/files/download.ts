/**
 * Receiving a file (docs/PROTOCOL.md §5): the encrypted blob is streamed from
 * `GET /v1/files/:id` through the file decryptor, which authenticates every chunk, the final-chunk
 * flag, the size and — at the end — the plaintext sha256 announced in the message. Browsers and
 * Node both get a WHATWG ReadableStream (`FileInfo.blob()` in `./index.ts` returns only a fully
 * verified file).
 * @module
 */
import type { CoreCrypto } from '../crypto/provider.js'
import { FileDecryptor, encryptedFileSize } from '../crypto/file-cipher.js'
import { MtChatError } from '../errors.js'
import type { HttpApi } from '../client/http.js'
import type { StoredFileRef } from '../client/stores.js'
import type { DownloadOptions } from '../chat/types.js'

/** The decrypted content of a file as a stream (errors on any tampering). */
export function downloadStream(p: CoreCrypto, http: HttpApi, ref: StoredFileRef, o: DownloadOptions = {}): ReadableStream<Uint8Array> {
  let iterator: AsyncGenerator<Uint8Array> | undefined
  let encrypted: ReadableStream<Uint8Array> | undefined
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  const total = encryptedFileSize(ref.size)
  return new ReadableStream<Uint8Array>({
    async start() {
      const res = await http.request<Response>('GET', `/v1/files/${ref.file_id}`, { raw: true, signal: o.signal })
      if (!res.body) throw new MtChatError('FILE_TRUNCATED', 'the relay sent no file body', { op: 'file.download' })
      const source = (encrypted = res.body)
      const dec = new FileDecryptor(p, { key: ref.key, noncePrefix: ref.nonce_prefix }, { size: ref.size, sha256: ref.sha256 })
      let loaded = 0
      async function* body(): AsyncGenerator<Uint8Array> {
        const r = (reader = source.getReader()) // on first pull, so a cancel before it finds the body unlocked
        try {
          for (;;) {
            const { done, value } = await r.read()
            if (done) return
            loaded += value.length
            o.onProgress?.({ loaded, total })
            yield value
          }
        } finally {
          r.releaseLock()
        }
      }
      iterator = dec.stream(body())
    },
    async pull(controller) {
      const { done, value } = await iterator!.next()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    async cancel(reason) {
      // End the download first: a read waiting on the network then returns, so the decryptor's
      // generators can close (their return() waits for it).
      await (reader ?? encrypted)?.cancel(reason).catch(() => undefined)
      await iterator?.return(undefined).catch(() => undefined)
    },
  })
}
