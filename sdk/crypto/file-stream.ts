/**
 * The machinery both directions of the file cipher (docs/PROTOCOL.md §5, `file-cipher.ts`) share:
 * the key copy and its wiping, the chunk nonce `nonce_prefix ‖ u32_be(i)`, the chunk layout a
 * known size implies, the plaintext's size and SHA-256, the one-use rule, and the two ways to run a
 * cipher — over an (async) iterable, or as a WHATWG TransformStream.
 * @module
 */
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import type { CoreCrypto, Hasher } from './provider.js'

/** Plaintext bytes per chunk. */
export const FILE_CHUNK_SIZE = 65536
/** Bytes of one full encrypted chunk: 64 KiB + the 16-byte GCM tag. */
export const FILE_SEALED_CHUNK_SIZE = FILE_CHUNK_SIZE + 16
const MAX_CHUNKS = 2 ** 32 // u32 chunk index

/** The secrets of one file: a random 32-byte key and 8-byte nonce prefix. Never reuse them. */
export interface FileKey {
  key: Uint8Array
  noncePrefix: Uint8Array
}

/** What is known of the plaintext once a stream has ended. */
export interface FileDigest {
  /** Plaintext size in bytes. */
  size: number
  /** SHA-256 of the plaintext; undefined when hashing was turned off. */
  sha256: Uint8Array | undefined
}

/** Options of both directions. */
export interface FileCipherOptions {
  /** Compute the plaintext's SHA-256 while streaming (default true). */
  hash?: boolean
  /**
   * The plaintext size (a File's `size`; the FileRef's `size` when decrypting). Optional; when
   * given, every chunk's final flag follows from its index, so chunks that lie whole inside an
   * input piece are processed in place (no copy), and a size mismatch is an error.
   */
  size?: number
}

/** The AAD of a chunk: its final flag. */
export const FINAL = Uint8Array.of(1)
export const NOT_FINAL = Uint8Array.of(0)

/** Shared state of both directions: key, nonce, chunk index and layout, plaintext hash and size. */
export abstract class ChunkCipher {
  protected readonly p: CoreCrypto
  protected readonly key: Uint8Array
  private readonly nonce = new Uint8Array(12)
  private readonly hasher: Hasher | undefined
  /** The declared plaintext size, if any. */
  protected readonly size: number | undefined
  /** The number of chunks `size` implies, if known. */
  protected readonly chunks: number | undefined
  /** Index of the next chunk to seal or open. */
  protected index = 0
  /** Plaintext bytes sealed or opened so far. */
  protected plainSize = 0
  private result: FileDigest | undefined
  private started = false

  constructor(p: CoreCrypto, fileKey: FileKey, options: FileCipherOptions) {
    if (typeof fileKey !== 'object' || fileKey === null) throw new TypeError('"fileKey" expected an object')
    assertBytes(fileKey.key, 'fileKey.key', 32)
    assertBytes(fileKey.noncePrefix, 'fileKey.noncePrefix', 8)
    if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0))
      throw new RangeError(`"size" expected a non-negative integer, got ${options.size}`)
    this.p = p
    this.key = new Uint8Array(fileKey.key) // a copy we may wipe (Buffer#slice would be a view)
    this.nonce.set(fileKey.noncePrefix, 0)
    this.hasher = options.hash === false ? undefined : p.sha256Hasher()
    this.size = options.size
    this.chunks = options.size === undefined ? undefined : Math.max(1, Math.ceil(options.size / FILE_CHUNK_SIZE))
  }

  /** Plaintext length of chunk `index` when the size is known: full, or the remainder for the last. */
  protected plainLength(): number {
    if (this.chunks === undefined || this.index < this.chunks - 1) return FILE_CHUNK_SIZE
    return this.size! - (this.chunks - 1) * FILE_CHUNK_SIZE
  }

  /** Whether the current chunk is the last one the size allows. */
  protected isLastByIndex(): boolean {
    return this.chunks !== undefined && this.index === this.chunks - 1
  }

  /** nonce_prefix ‖ u32_be(index), for the current chunk. */
  protected nextNonce(): Uint8Array {
    if (this.index >= MAX_CHUNKS) throw new MtChatError('FILE_TOO_LARGE', 'a file has at most 2^32 chunks', { op: 'file' })
    const i = this.index
    this.nonce[8] = i >>> 24
    this.nonce[9] = (i >>> 16) & 0xff
    this.nonce[10] = (i >>> 8) & 0xff
    this.nonce[11] = i & 0xff
    return this.nonce
  }

  protected hashPlain(plain: Uint8Array): void {
    this.hasher?.update(plain)
    this.plainSize += plain.length
  }

  /** Size and hash of everything hashed so far (call once, at the end). */
  protected finalDigest(): FileDigest {
    return { size: this.plainSize, sha256: this.hasher?.digest() }
  }

  /** Makes the digest readable: the stream ended and passed every check. */
  protected publish(result: FileDigest): void {
    this.result = result
    this.wipe()
  }

  protected wipe(): void {
    this.key.fill(0)
  }

  /** Size and SHA-256 of the plaintext; INVALID_STATE until the stream has ended without error. */
  get digest(): FileDigest {
    if (this.result === undefined) throw new MtChatError('INVALID_STATE', 'the file stream has not ended yet', { op: 'file.digest' })
    return this.result
  }

  /** Feeds one piece of input; yields every output chunk it completes. */
  protected abstract push(data: Uint8Array): AsyncGenerator<Uint8Array>
  /** Ends the input; yields what is left. */
  protected abstract finish(): AsyncGenerator<Uint8Array>

  /** Marks the one use of this object: a key and nonce prefix encrypt exactly one file. */
  private begin(): void {
    if (this.started) throw new MtChatError('INVALID_STATE', 'a file cipher streams one file once', { op: 'file' })
    this.started = true
  }

  /**
   * Runs a whole input stream through this cipher.
   *
   * @example
   * ```ts
   * for await (const chunk of enc.stream(file.stream())) await upload(chunk)
   * ```
   */
  stream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    this.begin()
    return this.run(source)
  }

  private async *run(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      for await (const piece of source) yield* this.push(piece)
      yield* this.finish()
    } finally {
      this.wipe()
    }
  }

  /**
   * This cipher as a WHATWG TransformStream (for `readable.pipeThrough(...)`).
   *
   * @example
   * ```ts
   * await file.stream().pipeThrough(enc.transform()).pipeTo(uploadSink)
   * ```
   */
  transform(): TransformStream<Uint8Array, Uint8Array> {
    this.begin()
    return new TransformStream<Uint8Array, Uint8Array>({
      transform: async (piece, controller) => {
        try {
          for await (const out of this.push(piece)) controller.enqueue(out)
        } catch (err) {
          this.wipe()
          throw err
        }
      },
      flush: async (controller) => {
        try {
          for await (const out of this.finish()) controller.enqueue(out)
        } finally {
          this.wipe()
        }
      },
    })
  }
}
