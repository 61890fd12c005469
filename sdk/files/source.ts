/**
 * Reading what `sendFile` accepts — a Blob/File, bytes, a WHATWG ReadableStream or any async
 * iterable of bytes — as one async iterable, without loading it whole (a Blob is read through its
 * stream), and knowing its size up front (a stream needs `size`).
 * @module
 */
import { MtChatError } from '../errors.js'
import type { FileSource } from '../chat/types.js'

const isBlob = (s: unknown): s is Blob => typeof Blob !== 'undefined' && s instanceof Blob

/** The byte size of a source, or `declared` for streams (INVALID_ARGUMENT when missing). */
export function sourceSize(source: FileSource, declared?: number): number {
  if (isBlob(source)) return source.size
  if (source instanceof Uint8Array) return source.length
  if (declared === undefined || !Number.isSafeInteger(declared) || declared < 0)
    throw new MtChatError('INVALID_ARGUMENT', 'a stream needs its size: pass `size` in the options', { op: 'chat.sendFile' })
  return declared
}

/** Reads a ReadableStream with a reader (not every browser can `for await` one). */
async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** The source's bytes as an async iterable, checking the total against `size`. */
export async function* sourceBytes(source: FileSource, size: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let iter: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  if (isBlob(source)) iter = readStream(source.stream() as ReadableStream<Uint8Array>)
  else if (source instanceof Uint8Array) iter = [source]
  else if (typeof (source as ReadableStream).getReader === 'function') iter = readStream(source as ReadableStream<Uint8Array>)
  else if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') iter = source as AsyncIterable<Uint8Array>
  else throw new MtChatError('INVALID_ARGUMENT', '"file" expected a Blob, Uint8Array, ReadableStream or async iterable of bytes', { op: 'chat.sendFile' })
  let total = 0
  const pieces = (async function* () {
    try {
      yield* iter
    } catch (cause) {
      // The app's stream failed (a read error, a cancelled picker): a typed error, cause kept.
      throw MtChatError.is(cause) ? cause : new MtChatError('INVALID_ARGUMENT', 'reading the file failed', { op: 'chat.sendFile', cause })
    }
  })()
  for await (const piece of pieces) {
    if (signal?.aborted) throw new MtChatError('ABORTED', 'upload aborted', { op: 'chat.sendFile' })
    if (!(piece instanceof Uint8Array)) throw new MtChatError('INVALID_ARGUMENT', 'a file stream must yield Uint8Array pieces', { op: 'chat.sendFile' })
    total += piece.length
    if (total > size) throw new MtChatError('INVALID_ARGUMENT', `the file is longer than its declared size ${size}`, { op: 'chat.sendFile' })
    yield piece
  }
  if (total !== size) throw new MtChatError('INVALID_ARGUMENT', `the file has ${total} bytes, not the declared ${size}`, { op: 'chat.sendFile' })
}
