/**
 * The file cipher of docs/PROTOCOL.md §5, checked byte for byte against node:crypto AES-256-GCM
 * (chunk sizes, nonce = prefix ‖ u32_be(i), AAD = final flag, the empty file), on every backend,
 * in both forms (async iterables and TransformStreams), with flat memory.
 */
import { createDecipheriv, createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  encryptedFileSize,
  FILE_CHUNK_SIZE,
  FILE_SEALED_CHUNK_SIZE,
  FileDecryptor,
  FileEncryptor,
  newFileKey,
} from '../../../sdk/crypto/file-cipher.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { backends } from './backends.js'
import { collect, pieces, plaintext, sameBytes } from './file-helpers.js'

/** Decrypts one chunk with node:crypto, independently of the code under test. */
function openWithNode(key: Uint8Array, prefix: Uint8Array, index: number, final: boolean, chunk: Uint8Array): Uint8Array {
  const nonce = Buffer.alloc(12)
  nonce.set(prefix)
  nonce.writeUInt32BE(index, 8)
  const d = createDecipheriv('aes-256-gcm', key, nonce)
  d.setAAD(Uint8Array.of(final ? 1 : 0))
  d.setAuthTag(chunk.subarray(chunk.length - 16))
  return new Uint8Array(Buffer.concat([d.update(chunk.subarray(0, chunk.length - 16)), d.final()]))
}

describe.each(backends)('file cipher on %s', (_name, p) => {
  it.each([0, 1, FILE_CHUNK_SIZE - 1, FILE_CHUNK_SIZE, FILE_CHUNK_SIZE + 1, 150_000, 3 * FILE_CHUNK_SIZE])(
    'a %i-byte file is the chunks §5 describes',
    async (size) => {
      const data = plaintext(size, size)
      const fk = newFileKey(p)
      const enc = new FileEncryptor(p, fk)
      const chunks = await collect(enc.stream(pieces(data, 10_000)), false)
      const count = Math.max(1, Math.ceil(size / FILE_CHUNK_SIZE))
      expect(chunks.length).toBe(count)
      expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(encryptedFileSize(size))
      const opened = chunks.map((c, i) => {
        if (i < count - 1) expect(c.length).toBe(FILE_SEALED_CHUNK_SIZE)
        return openWithNode(fk.key, fk.noncePrefix, i, i === count - 1, c)
      })
      expect(Buffer.concat(opened).equals(data)).toBe(true)
      expect(enc.digest.size).toBe(size)
      expect(Buffer.from(enc.digest.sha256!).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'))
    },
  )

  it('decrypts what it encrypted, checking size and sha256', async () => {
    const data = plaintext(200_000, 1)
    const fk = newFileKey(p)
    const enc = new FileEncryptor(p, fk)
    const sealed = await collect(enc.stream(pieces(data, 7777)))
    const dec = new FileDecryptor(p, fk, { size: data.length, sha256: enc.digest.sha256 })
    expect(sameBytes(await collect(dec.stream(pieces(sealed, 12_345))), data)).toBe(true)
    expect(dec.digest).toEqual(enc.digest)
  })

  it('works as TransformStreams (pipeThrough both ways)', async () => {
    const data = plaintext(140_000, 2)
    const fk = newFileKey(p)
    const enc = new FileEncryptor(p, fk)
    const dec = new FileDecryptor(p, fk, { size: data.length })
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces(data, 30_000)) controller.enqueue(piece)
        controller.close()
      },
    })
    const out: Uint8Array[] = []
    await source.pipeThrough(enc.transform()).pipeThrough(dec.transform()).pipeTo(new WritableStream({ write: (c) => void out.push(c) }))
    expect(Buffer.concat(out).equals(data)).toBe(true)
    expect(dec.digest.sha256).toEqual(enc.digest.sha256)
  })

  it('a TransformStream errors with the typed code', async () => {
    const fk = newFileKey(p)
    const sealed = await collect(new FileEncryptor(p, fk).stream([plaintext(1000, 3)]))
    sealed[10] ^= 1
    const dec = new FileDecryptor(p, fk)
    const run = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(sealed)
        c.close()
      },
    })
      .pipeThrough(dec.transform())
      .pipeTo(new WritableStream())
    await expect(run).rejects.toMatchObject({ code: 'FILE_CHUNK_INVALID' })
  })
})

describe('file cipher API', () => {
  const p = nobleProvider

  it('holds at most one chunk of its own: memory stays flat', async () => {
    const data = plaintext(20 * FILE_CHUNK_SIZE + 5, 4)
    let pulled = 0
    async function* source() {
      for (const piece of pieces(data, 10_000)) {
        pulled += piece.length
        yield piece
      }
    }
    let emitted = 0
    let worst = 0
    for await (const chunk of new FileEncryptor(p, newFileKey(p)).stream(source())) {
      emitted += chunk.length - 16
      worst = Math.max(worst, pulled - emitted)
    }
    expect(emitted).toBe(data.length)
    expect(worst).toBeLessThanOrEqual(FILE_CHUNK_SIZE + 10_000)
  })

  it('does not copy or keep a large input piece beyond the chunk it is sealing', async () => {
    const data = plaintext(5 * FILE_CHUNK_SIZE, 5)
    const fk = newFileKey(p)
    const one = await collect(new FileEncryptor(p, fk).stream([data]))
    const many = await collect(new FileEncryptor(p, fk).stream(pieces(data, 1)))
    expect(sameBytes(one, many)).toBe(true)
  }, 60_000)

  it('streams one file per object (nonce reuse is refused) and has no digest before the end', async () => {
    const enc = new FileEncryptor(p, newFileKey(p))
    expect(() => enc.digest).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
    await collect(enc.stream([new Uint8Array(3)]))
    expect(() => enc.stream([])).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
    expect(() => enc.transform()).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
  })

  it('gives precise argument errors', async () => {
    expect(() => new FileEncryptor(p, { key: new Uint8Array(16), noncePrefix: new Uint8Array(8) })).toThrow(
      new RangeError('"fileKey.key" expected Uint8Array of length 32, got length=16'),
    )
    expect(() => new FileDecryptor(p, { key: new Uint8Array(32), noncePrefix: new Uint8Array(12) })).toThrow(RangeError)
    expect(() => new FileDecryptor(p, newFileKey(p), { size: -1 })).toThrow(RangeError)
    expect(() => new FileDecryptor(p, newFileKey(p), { sha256: new Uint8Array(20) })).toThrow(RangeError)
    await expect(collect(new FileEncryptor(p, newFileKey(p)).stream(['text' as unknown as Uint8Array]))).rejects.toThrow(TypeError)
    expect(() => encryptedFileSize(-1)).toThrow(RangeError)
    expect(encryptedFileSize(0)).toBe(16)
  })

  it('with a declared size: the same chunks, and a source of another length is refused', async () => {
    const fk = newFileKey(p)
    for (const size of [0, 1000, FILE_CHUNK_SIZE, 2 * FILE_CHUNK_SIZE + 5]) {
      const data = plaintext(size, 11)
      const free = await collect(new FileEncryptor(p, fk).stream([data]))
      const sized = new FileEncryptor(p, fk, { size })
      expect(sameBytes(await collect(sized.stream(pieces(data, 50_000))), free)).toBe(true)
      expect(sized.digest.size).toBe(size)
      await expect(collect(new FileEncryptor(p, fk, { size: size + 1 }).stream([data]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      if (size > 0) await expect(collect(new FileEncryptor(p, fk, { size: size - 1 }).stream([data]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
    expect(() => new FileEncryptor(p, fk, { size: 1.5 })).toThrow(RangeError)
  })

  it('wipes its own copy of the key, never the caller’s (also when it is a Node Buffer)', async () => {
    const key = Buffer.from(new Uint8Array(32).fill(9))
    const noncePrefix = Buffer.from(new Uint8Array(8).fill(1))
    const enc = new FileEncryptor(p, { key, noncePrefix })
    const sealed = await collect(enc.stream([plaintext(100, 12)]))
    expect(key.every((b) => b === 9)).toBe(true)
    expect(sameBytes(await collect(new FileDecryptor(p, { key, noncePrefix }, { sha256: enc.digest.sha256 }).stream([sealed])), plaintext(100, 12))).toBe(true)
  })

  it('can skip the hash (digest.sha256 undefined) unless a sha256 is to be checked', async () => {
    const fk = newFileKey(p)
    const enc = new FileEncryptor(p, fk, { hash: false })
    const sealed = await collect(enc.stream([plaintext(100, 6)]))
    expect(enc.digest).toEqual({ size: 100, sha256: undefined })
    const dec = new FileDecryptor(p, fk, { hash: false, sha256: new Uint8Array(32) })
    await expect(collect(dec.stream([sealed]))).rejects.toMatchObject({ code: 'FILE_HASH_MISMATCH' })
  })
})
