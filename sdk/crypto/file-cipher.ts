/**
 * The streaming file cipher of docs/PROTOCOL.md §5: AES-256-GCM over 64 KiB plaintext chunks,
 *   chunk_i = AES-256-GCM(key, nonce = nonce_prefix ‖ u32_be(i), aad = [final ? 1 : 0], plain_i),
 * every chunk but the last exactly 64 KiB of plaintext, the last 1..64 KiB (0 only for an empty
 * file, which is one final 16-byte chunk). The final flag in the AAD makes truncation at a chunk
 * boundary fail; the index in the nonce makes reordering, dropping and duplication fail.
 *
 * Input may arrive in pieces of any size: both directions re-chunk internally and hold at most one
 * chunk of their own (plus the caller's current piece), so memory stays flat for any file size.
 * The plaintext's SHA-256 (the FileRef's `sha256`) is computed while streaming. GCM runs on the
 * provider: WebCrypto in browsers, node:crypto in Node.
 *
 * Decrypted chunks are handed out as they are authenticated; the file as a whole is confirmed only
 * when the stream ends without error (final chunk seen, nothing after it, size and hash match).
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import { ctEqual } from './ct.js'
import type { CryptoProvider, Hasher } from './provider.js'

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

/** Options of the encryptor. */
export interface EncryptOptions {
  /** Compute the plaintext's SHA-256 while streaming (default true). */
  hash?: boolean
}

/** Options of the decryptor: the FileRef's facts, when known, make every error code exact. */
export interface DecryptOptions extends EncryptOptions {
  /** The plaintext size announced in the FileRef. */
  size?: number
  /** The plaintext SHA-256 announced in the FileRef; checked at the end (FILE_HASH_MISMATCH). */
  sha256?: Uint8Array
}

/**
 * A fresh key and nonce prefix for one file.
 *
 * @example
 * ```ts
 * const fileKey = newFileKey(p)
 * ```
 */
export function newFileKey(p: CryptoProvider): FileKey {
  return { key: p.randomBytes(32), noncePrefix: p.randomBytes(8) }
}

/**
 * Encrypted size of a `plainSize`-byte file: max(1, ⌈plainSize / 64 KiB⌉) chunks of 16 bytes
 * overhead each.
 */
export function encryptedFileSize(plainSize: number): number {
  if (!Number.isSafeInteger(plainSize) || plainSize < 0) throw new RangeError(`"plainSize" expected a non-negative integer, got ${plainSize}`)
  return plainSize + 16 * Math.max(1, Math.ceil(plainSize / FILE_CHUNK_SIZE))
}

function checkFileKey(fileKey: FileKey): void {
  if (typeof fileKey !== 'object' || fileKey === null) throw new TypeError('"fileKey" expected an object')
  assertBytes(fileKey.key, 'fileKey.key', 32)
  assertBytes(fileKey.noncePrefix, 'fileKey.noncePrefix', 8)
}

const FINAL = Uint8Array.of(1)
const NOT_FINAL = Uint8Array.of(0)

/** Shared state of both directions: key, nonce, chunk index, plaintext hash and size. */
abstract class ChunkCipher {
  protected readonly p: CryptoProvider
  protected readonly key: Uint8Array
  private readonly nonce = new Uint8Array(12)
  private readonly hasher: Hasher | undefined
  protected index = 0
  protected plainSize = 0
  private result: FileDigest | undefined
  private started = false

  constructor(p: CryptoProvider, fileKey: FileKey, options: EncryptOptions) {
    checkFileKey(fileKey)
    this.p = p
    this.key = fileKey.key.slice()
    this.nonce.set(fileKey.noncePrefix, 0)
    this.hasher = options.hash === false ? undefined : (p.sha256Hasher?.() ?? wrap(sha256.create()))
  }

  /** Marks the one use of this object: a key and nonce prefix encrypt exactly one file. */
  protected begin(): void {
    if (this.started) throw new MtChatError('INVALID_STATE', 'a file cipher streams one file once', { op: 'file' })
    this.started = true
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

function wrap(h: ReturnType<typeof sha256.create>): Hasher {
  const self: Hasher = {
    update(data) {
      h.update(data)
      return self
    },
    digest: () => h.digest(),
  }
  return self
}

/**
 * Encrypts one file (§5). Use {@link FileEncryptor.stream} or {@link FileEncryptor.transform},
 * once; then read {@link FileEncryptor.digest} for the FileRef.
 *
 * @example
 * ```ts
 * const fileKey = newFileKey(p)
 * const enc = new FileEncryptor(p, fileKey)
 * for await (const chunk of enc.stream(source)) await upload(chunk)
 * const { size, sha256 } = enc.digest
 * ```
 */
export class FileEncryptor extends ChunkCipher {
  private readonly buf = new Uint8Array(FILE_CHUNK_SIZE)
  private filled = 0

  constructor(p: CryptoProvider, fileKey: FileKey, options: EncryptOptions = {}) {
    super(p, fileKey, options)
  }

  private async seal(plain: Uint8Array, final: boolean): Promise<Uint8Array> {
    this.hashPlain(plain)
    const sealed = await this.p.gcmEncrypt(this.key, this.nextNonce(), plain, final ? FINAL : NOT_FINAL)
    this.index++
    return sealed
  }

  protected async *push(data: Uint8Array): AsyncGenerator<Uint8Array> {
    assertBytes(data, 'chunk')
    let rest = data
    while (rest.length > 0) {
      // A full chunk is sealed only once a byte after it exists: the last chunk must carry the flag.
      if (this.filled === FILE_CHUNK_SIZE) {
        yield await this.seal(this.buf, false)
        this.filled = 0
      }
      if (this.filled === 0 && rest.length > FILE_CHUNK_SIZE) {
        yield await this.seal(rest.subarray(0, FILE_CHUNK_SIZE), false) // no copy for large pieces
        rest = rest.subarray(FILE_CHUNK_SIZE)
        continue
      }
      const n = Math.min(FILE_CHUNK_SIZE - this.filled, rest.length)
      this.buf.set(rest.subarray(0, n), this.filled)
      this.filled += n
      rest = rest.subarray(n)
    }
  }

  protected async *finish(): AsyncGenerator<Uint8Array> {
    yield await this.seal(this.buf.subarray(0, this.filled), true)
    this.filled = 0
    this.publish(this.finalDigest())
  }

  protected override wipe(): void {
    super.wipe()
    this.buf.fill(0)
  }
}

/**
 * Decrypts one file (§5), checking every chunk, the final flag, the size and the hash.
 *
 * Errors: FILE_CHUNK_INVALID (a chunk fails authentication: tampered, reordered, dropped,
 * duplicated, or from another file), FILE_TRUNCATED (the input ends before the final chunk),
 * FILE_TRAILING_DATA (input after the final chunk), FILE_HASH_MISMATCH. With `size` every code is
 * exact; without it, input cut inside a chunk is FILE_CHUNK_INVALID and bytes appended to a short
 * final chunk are too (they merge into it; only the size tells them apart).
 *
 * @example
 * ```ts
 * const dec = new FileDecryptor(p, ref, { size: ref.size, sha256: ref.sha256 })
 * for await (const plain of dec.stream(download)) sink.write(plain)
 * ```
 */
export class FileDecryptor extends ChunkCipher {
  private readonly buf = new Uint8Array(FILE_SEALED_CHUNK_SIZE)
  private filled = 0
  private done = false
  private readonly expect: DecryptOptions
  private readonly chunks: number | undefined

  constructor(p: CryptoProvider, fileKey: FileKey, options: DecryptOptions = {}) {
    // An announced hash can only be checked if one is computed.
    super(p, fileKey, options.sha256 === undefined ? options : { ...options, hash: true })
    if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0))
      throw new RangeError(`"size" expected a non-negative integer, got ${options.size}`)
    if (options.sha256 !== undefined) assertBytes(options.sha256, 'sha256', 32)
    this.expect = options
    this.chunks = options.size === undefined ? undefined : Math.max(1, Math.ceil(options.size / FILE_CHUNK_SIZE))
  }

  private fail(code: 'FILE_CHUNK_INVALID' | 'FILE_TRUNCATED' | 'FILE_TRAILING_DATA' | 'FILE_HASH_MISMATCH', message: string): never {
    this.wipe()
    throw new MtChatError(code, message, { op: 'file.decrypt', details: { chunk: this.index } })
  }

  /** The chunk decrypted with the given flag, or undefined when it does not authenticate. */
  private async tryOpen(sealed: Uint8Array, final: boolean): Promise<Uint8Array | undefined> {
    try {
      return await this.p.gcmDecrypt(this.key, this.nextNonce(), sealed, final ? FINAL : NOT_FINAL)
    } catch (err) {
      if (MtChatError.is(err, 'CRYPTO_AUTH_FAILED')) return undefined
      throw err
    }
  }

  private accept(plain: Uint8Array, final: boolean): Uint8Array {
    this.hashPlain(plain)
    this.index++
    this.filled = 0
    this.done = final
    return plain
  }

  /** Length of the current chunk when the size is known (the last one is shorter). */
  private targetLength(): number {
    if (this.chunks === undefined || this.index < this.chunks - 1) return FILE_SEALED_CHUNK_SIZE
    return this.expect.size! - (this.chunks - 1) * FILE_CHUNK_SIZE + 16
  }

  /** Opens the buffered chunk: more input follows it, or the size says whether it is final. */
  private async openFollowed(): Promise<Uint8Array> {
    const sealed = this.buf.subarray(0, this.filled)
    if (this.chunks !== undefined && this.index === this.chunks - 1) {
      const plain = await this.tryOpen(sealed, true)
      if (plain === undefined) this.fail('FILE_CHUNK_INVALID', `chunk ${this.index} (final) does not authenticate`)
      return this.accept(plain, true)
    }
    const plain = await this.tryOpen(sealed, false)
    if (plain !== undefined) return this.accept(plain, false)
    // Without the size, a full final chunk followed by extra bytes lands here.
    if (this.chunks === undefined && (await this.tryOpen(sealed, true)) !== undefined)
      this.fail('FILE_TRAILING_DATA', `data follows the final chunk ${this.index}`)
    this.fail('FILE_CHUNK_INVALID', `chunk ${this.index} does not authenticate`)
  }

  protected async *push(data: Uint8Array): AsyncGenerator<Uint8Array> {
    assertBytes(data, 'chunk')
    let rest = data
    while (rest.length > 0) {
      if (this.done) this.fail('FILE_TRAILING_DATA', `data follows the final chunk ${this.index - 1}`)
      const target = this.targetLength()
      if (this.filled === target) {
        yield await this.openFollowed()
        continue
      }
      const n = Math.min(target - this.filled, rest.length)
      this.buf.set(rest.subarray(0, n), this.filled)
      this.filled += n
      rest = rest.subarray(n)
      // With the size known, every chunk's flag follows from its index: no need to wait for more.
      if (this.chunks !== undefined && this.filled === target) yield await this.openFollowed()
    }
  }

  protected async *finish(): AsyncGenerator<Uint8Array> {
    if (!this.done) yield await this.openLast()
    const result = this.finalDigest()
    if (this.expect.sha256 !== undefined && !ctEqual(result.sha256!, this.expect.sha256))
      this.fail('FILE_HASH_MISMATCH', 'the plaintext does not match the announced sha256')
    this.publish(result)
  }

  /** Opens the buffered input as the final chunk, the input having ended. */
  private async openLast(): Promise<Uint8Array> {
    if (this.chunks !== undefined) this.fail('FILE_TRUNCATED', `the input ended inside chunk ${this.index} of ${this.chunks}`)
    if (this.filled < 16) this.fail('FILE_TRUNCATED', `the input ended before the final chunk (${this.filled} bytes of chunk ${this.index})`)
    const sealed = this.buf.subarray(0, this.filled)
    const plain = await this.tryOpen(sealed, true)
    if (plain !== undefined) return this.accept(plain, true)
    if (this.filled === FILE_SEALED_CHUNK_SIZE && (await this.tryOpen(sealed, false)) !== undefined)
      this.fail('FILE_TRUNCATED', `the input ended after chunk ${this.index}, which is not final`)
    this.fail('FILE_CHUNK_INVALID', `chunk ${this.index} (final) does not authenticate`)
  }

  protected override wipe(): void {
    super.wipe()
    this.buf.fill(0)
  }
}
