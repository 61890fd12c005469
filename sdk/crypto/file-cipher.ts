/**
 * The streaming file cipher of docs/PROTOCOL.md §5: AES-256-GCM over 64 KiB plaintext chunks,
 *   chunk_i = AES-256-GCM(key, nonce = nonce_prefix ‖ u32_be(i), aad = [final ? 1 : 0], plain_i),
 * every chunk but the last exactly 64 KiB of plaintext, the last 1..64 KiB (0 only for an empty
 * file, which is one final 16-byte chunk). The final flag in the AAD makes truncation at a chunk
 * boundary fail; the index in the nonce makes reordering, dropping and duplication fail.
 *
 * Input may arrive in pieces of any size: both directions re-chunk internally and hold at most one
 * chunk of their own (plus the caller's current piece), so memory stays flat for any file size.
 * Given the plaintext size (known to the sender from the file, to the receiver from the FileRef),
 * chunks lying whole inside an input piece are processed in place. The plaintext's SHA-256 (the
 * FileRef's `sha256`) is computed while streaming. GCM runs on the provider: WebCrypto in
 * browsers, node:crypto in Node. Shared machinery: `file-stream.ts`.
 *
 * Decrypted chunks are handed out as they are authenticated; the file as a whole is confirmed only
 * when the stream ends without error (final chunk seen, nothing after it, size and hash match).
 * @module
 */
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import { ctEqual } from './ct.js'
import {
  ChunkCipher,
  FILE_CHUNK_SIZE,
  FILE_SEALED_CHUNK_SIZE,
  type FileCipherOptions,
  type FileKey,
  FINAL,
  NOT_FINAL,
} from './file-stream.js'
import type { CoreCrypto } from './provider.js'

export { FILE_CHUNK_SIZE, FILE_SEALED_CHUNK_SIZE, type FileCipherOptions, type FileDigest, type FileKey } from './file-stream.js'

/** Options of the decryptor: the FileRef's facts, when known, make every error code exact. */
export interface DecryptOptions extends FileCipherOptions {
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
export function newFileKey(p: CoreCrypto): FileKey {
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

/**
 * Encrypts one file (§5). Use {@link FileEncryptor.stream} or {@link FileEncryptor.transform},
 * once; then read {@link FileEncryptor.digest} for the FileRef. Pass `size` when it is known: it
 * saves a copy per chunk, and a source that yields more or fewer bytes fails with INVALID_ARGUMENT.
 *
 * @example
 * ```ts
 * const fileKey = newFileKey(p)
 * const enc = new FileEncryptor(p, fileKey, { size: file.size })
 * for await (const chunk of enc.stream(source)) await upload(chunk)
 * const { size, sha256 } = enc.digest
 * ```
 */
export class FileEncryptor extends ChunkCipher {
  private readonly buf = new Uint8Array(FILE_CHUNK_SIZE)
  private filled = 0
  private sealedFinal = false

  constructor(p: CoreCrypto, fileKey: FileKey, options: FileCipherOptions = {}) {
    super(p, fileKey, options)
  }

  private async seal(plain: Uint8Array, final: boolean): Promise<Uint8Array> {
    this.hashPlain(plain)
    const sealed = await this.p.gcmEncrypt(this.key, this.nextNonce(), plain, final ? FINAL : NOT_FINAL)
    this.index++
    this.sealedFinal = final
    return sealed
  }

  private sizeMismatch(got: string): never {
    this.wipe()
    throw new MtChatError('INVALID_ARGUMENT', `the source has ${got} bytes, but size says ${this.size}`, { op: 'file.encrypt' })
  }

  protected async *push(data: Uint8Array): AsyncGenerator<Uint8Array> {
    assertBytes(data, 'chunk')
    if (this.size !== undefined && this.plainSize + this.filled + data.length > this.size)
      this.sizeMismatch(`more than ${this.plainSize + this.filled}`)
    let rest = data
    while (rest.length > 0) {
      if (this.chunks !== undefined) {
        // The size fixes every chunk's length and flag: seal each one as soon as it is complete,
        // in place when it lies whole inside this piece.
        const target = this.plainLength()
        if (this.filled === 0 && rest.length >= target) {
          yield await this.seal(rest.subarray(0, target), this.isLastByIndex())
          rest = rest.subarray(target)
          continue
        }
        const n = Math.min(target - this.filled, rest.length)
        this.buf.set(rest.subarray(0, n), this.filled)
        this.filled += n
        rest = rest.subarray(n)
        if (this.filled === target) {
          yield await this.seal(this.buf.subarray(0, target), this.isLastByIndex())
          this.filled = 0
        }
        continue
      }
      // Without the size, a full chunk is sealed only once a byte after it exists: the last chunk
      // must carry the flag. It is copied while it waits (the source may reuse its buffer).
      if (this.filled === FILE_CHUNK_SIZE) {
        yield await this.seal(this.buf, false)
        this.filled = 0
      }
      if (this.filled === 0 && rest.length > FILE_CHUNK_SIZE) {
        yield await this.seal(rest.subarray(0, FILE_CHUNK_SIZE), false)
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
    if (!this.sealedFinal) {
      if (this.size !== undefined && this.plainSize + this.filled !== this.size) this.sizeMismatch(String(this.plainSize + this.filled))
      yield await this.seal(this.buf.subarray(0, this.filled), true)
      this.filled = 0
    }
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
  private readonly sha256: Uint8Array | undefined

  constructor(p: CoreCrypto, fileKey: FileKey, options: DecryptOptions = {}) {
    // An announced hash can only be checked if one is computed.
    super(p, fileKey, options.sha256 === undefined ? options : { ...options, hash: true })
    if (options.sha256 !== undefined) assertBytes(options.sha256, 'sha256', 32)
    this.sha256 = options.sha256 === undefined ? undefined : new Uint8Array(options.sha256)
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
    this.done = final
    return plain
  }

  /** Opens a chunk that more input follows, or whose flag the size gives. */
  private async open(sealed: Uint8Array): Promise<Uint8Array> {
    if (this.isLastByIndex()) {
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
    const known = this.chunks !== undefined
    let rest = data
    while (rest.length > 0) {
      if (this.done) this.fail('FILE_TRAILING_DATA', `data follows the final chunk ${this.index - 1}`)
      const target = this.plainLength() + 16
      // A whole chunk inside this piece whose flag is known (by the size, or by bytes after it):
      // open it in place.
      if (this.filled === 0 && (known ? rest.length >= target : rest.length > target)) {
        yield await this.open(rest.subarray(0, target))
        rest = rest.subarray(target)
        continue
      }
      if (this.filled === target) {
        yield await this.open(this.buf.subarray(0, target)) // bytes follow it: not final
        this.filled = 0
        continue
      }
      const n = Math.min(target - this.filled, rest.length)
      this.buf.set(rest.subarray(0, n), this.filled)
      this.filled += n
      rest = rest.subarray(n)
      if (known && this.filled === target) {
        yield await this.open(this.buf.subarray(0, target))
        this.filled = 0
      }
    }
  }

  protected async *finish(): AsyncGenerator<Uint8Array> {
    if (!this.done) yield await this.openLast()
    const result = this.finalDigest()
    if (this.sha256 !== undefined && !ctEqual(result.sha256!, this.sha256))
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
