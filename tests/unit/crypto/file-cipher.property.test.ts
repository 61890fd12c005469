/**
 * Property tests (fast-check) of the file cipher (docs/PROTOCOL.md §5): round trips over random
 * file sizes and random input chunkings in both directions; every tampered, reordered, dropped or
 * duplicated chunk, every truncation and any trailing data is rejected with its specific code.
 * With the FileRef's `size` every code is exact; without it, the cases the format can tell apart
 * by itself (cuts at chunk boundaries, data after a full final chunk) are checked.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FILE_CHUNK_SIZE, FILE_SEALED_CHUNK_SIZE, FileDecryptor, FileEncryptor, type FileKey } from '../../../sdk/crypto/file-cipher.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { concatBytes } from '../../../sdk/util/bytes.js'
import { collect, cutAt, plaintext, sameBytes } from './file-helpers.js'

const p = nodeProvider
const fileKey: FileKey = { key: new Uint8Array(32).fill(0x42), noncePrefix: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }

const sizeArb = fc.oneof(
  fc.constantFrom(0, 1, 15, 16, FILE_CHUNK_SIZE - 1, FILE_CHUNK_SIZE, FILE_CHUNK_SIZE + 1, 2 * FILE_CHUNK_SIZE, 3 * FILE_CHUNK_SIZE),
  fc.integer({ min: 0, max: 4 * FILE_CHUNK_SIZE + 100 }),
)
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 })
const scale = (cuts: number[], length: number) => cuts.map((c) => Math.floor(c * length))

async function encryptChunks(size: number, seed: number): Promise<{ data: Uint8Array; chunks: Uint8Array[] }> {
  const data = plaintext(size, seed)
  return { data, chunks: await collect(new FileEncryptor(p, fileKey).stream([data]), false) }
}

function decrypt(sealed: Uint8Array, cuts: number[], size?: number, provider = p): Promise<Uint8Array> {
  return collect(new FileDecryptor(provider, fileKey, size === undefined ? {} : { size }).stream(cutAt(sealed, scale(cuts, sealed.length))))
}

async function rejectsWith(run: Promise<unknown>, code: string): Promise<void> {
  await expect(run).rejects.toMatchObject({ name: 'MtChatError', code })
}

describe('file cipher properties', () => {
  it('round trip over random sizes and chunkings, with and without the size', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, cutsArb, cutsArb, fc.boolean(), async (size, encCuts, decCuts, withSize) => {
        const data = plaintext(size, size + 1)
        const sealed = await collect(new FileEncryptor(p, fileKey).stream(cutAt(data, scale(encCuts, size))))
        expect(sameBytes(await decrypt(sealed, decCuts, withSize ? size : undefined), data)).toBe(true)
      }),
      { numRuns: 40 },
    )
  })

  it('the ciphertext depends neither on how the input was chunked nor on a declared size', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, cutsArb, fc.boolean(), async (size, cuts, declare) => {
        const data = plaintext(size, 9)
        const whole = await collect(new FileEncryptor(p, fileKey).stream([data]))
        const enc = new FileEncryptor(p, fileKey, declare ? { size } : {})
        expect(sameBytes(await collect(enc.stream(cutAt(data, scale(cuts, size)))), whole)).toBe(true)
      }),
      { numRuns: 25 },
    )
  })

  it('round trip on the noble and WebCrypto-free path too', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 * FILE_CHUNK_SIZE + 10 }), cutsArb, async (size, cuts) => {
        const data = plaintext(size, 3)
        const sealed = await collect(new FileEncryptor(nobleProvider, fileKey).stream([data]))
        expect(sameBytes(await decrypt(sealed, cuts, size, nobleProvider), data)).toBe(true)
      }),
      { numRuns: 10 },
    )
  })

  it('any flipped bit: FILE_CHUNK_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 7 }), cutsArb, fc.boolean(),
        async (size, where, bit, cuts, withSize) => {
          const sealed = concatBytes(...(await encryptChunks(size, 1)).chunks)
          sealed[Math.floor(where * sealed.length)] ^= 1 << bit
          await rejectsWith(decrypt(sealed, cuts, withSize ? size : undefined), 'FILE_CHUNK_INVALID')
        }),
      { numRuns: 60 },
    )
  })

  it('two chunks swapped: FILE_CHUNK_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: FILE_CHUNK_SIZE + 1, max: 4 * FILE_CHUNK_SIZE }), fc.nat(), fc.nat(), cutsArb, fc.boolean(),
        async (size, a, b, cuts, withSize) => {
          const { chunks } = await encryptChunks(size, 2)
          const i = a % chunks.length
          const j = (i + 1 + (b % (chunks.length - 1))) % chunks.length
          ;[chunks[i], chunks[j]] = [chunks[j], chunks[i]]
          await rejectsWith(decrypt(concatBytes(...chunks), cuts, withSize ? size : undefined), 'FILE_CHUNK_INVALID')
        }),
      { numRuns: 40 },
    )
  })

  it('a chunk dropped: FILE_TRUNCATED when it is the last, else FILE_CHUNK_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, fc.nat(), cutsArb, fc.boolean(), async (size, k, cuts, withSize) => {
        const { chunks } = await encryptChunks(size, 3)
        const drop = k % chunks.length
        // With the size known, dropping the chunk before a short final one leaves less than the
        // full chunk the size announces at that index: the input ends inside it, a truncation.
        const last = chunks.length - 1
        const short = withSize && drop === last - 1 && chunks[last].length < FILE_SEALED_CHUNK_SIZE
        const code = drop === last || short ? 'FILE_TRUNCATED' : 'FILE_CHUNK_INVALID'
        chunks.splice(drop, 1)
        await rejectsWith(decrypt(concatBytes(...chunks), cuts, withSize ? size : undefined), code)
      }),
      { numRuns: 50 },
    )
  })

  it('a chunk duplicated: FILE_CHUNK_INVALID, or FILE_TRAILING_DATA when it is the final one (size known)', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, fc.nat(), cutsArb, async (size, k, cuts) => {
        const { chunks } = await encryptChunks(size, 4)
        const dup = k % chunks.length
        chunks.splice(dup, 0, chunks[dup])
        const code = dup === chunks.length - 2 ? 'FILE_TRAILING_DATA' : 'FILE_CHUNK_INVALID'
        await rejectsWith(decrypt(concatBytes(...chunks), cuts, size), code)
      }),
      { numRuns: 50 },
    )
  })

  it('cut anywhere: FILE_TRUNCATED (size known); cut at a chunk boundary: FILE_TRUNCATED without it too', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), cutsArb, async (size, where, cuts) => {
        const { chunks } = await encryptChunks(size, 5)
        const sealed = concatBytes(...chunks)
        await rejectsWith(decrypt(sealed.subarray(0, Math.floor(where * sealed.length)), cuts, size), 'FILE_TRUNCATED')
        const keep = Math.floor(where * chunks.length) // whole chunks, at least the final one missing
        await rejectsWith(decrypt(concatBytes(...chunks.slice(0, keep)), cuts), 'FILE_TRUNCATED')
      }),
      { numRuns: 50 },
    )
  })

  it('bytes appended: FILE_TRAILING_DATA (size known, or the final chunk full)', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, fc.uint8Array({ minLength: 1, maxLength: 70_000 }), cutsArb, async (size, extra, cuts) => {
        const sealed = concatBytes(...(await encryptChunks(size, 6)).chunks, extra)
        await rejectsWith(decrypt(sealed, cuts, size), 'FILE_TRAILING_DATA')
        const full = concatBytes(...(await encryptChunks(2 * FILE_CHUNK_SIZE, 6)).chunks, extra)
        await rejectsWith(decrypt(full, cuts), 'FILE_TRAILING_DATA')
      }),
      { numRuns: 30 },
    )
  })

  it('another key, or another file’s chunk: FILE_CHUNK_INVALID; a wrong sha256: FILE_HASH_MISMATCH', async () => {
    const { data, chunks } = await encryptChunks(100_000, 7)
    const other = await collect(new FileEncryptor(p, { ...fileKey, noncePrefix: new Uint8Array(8) }).stream([data]), false)
    await rejectsWith(decrypt(concatBytes(other[0], chunks[1]), []), 'FILE_CHUNK_INVALID')
    const wrongKey = new FileDecryptor(p, { ...fileKey, key: new Uint8Array(32) }).stream(chunks)
    await rejectsWith(collect(wrongKey), 'FILE_CHUNK_INVALID')
    const badHash = new FileDecryptor(p, fileKey, { size: data.length, sha256: new Uint8Array(32) }).stream(chunks)
    await rejectsWith(collect(badHash), 'FILE_HASH_MISMATCH')
  })
})
