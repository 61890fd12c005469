/**
 * AES-256-IGE (docs/PROTOCOL.md §1) against the readable reference of reference/ige.ts (the
 * oracle), which is itself checked against OpenSSL's AES-128 IGE known answers and the AES-256
 * vectors. Property tests: noble IGE and the CBC-based encryption of the node backend equal the
 * reference for random keys, ivs, lengths and buffer alignments.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { igeDecrypt, igeEncrypt } from '../../../sdk/crypto/aes-ige.js'
import { IGE_CBC_MIN_BYTES, igeEncryptCbc, nodeProvider } from '../../../sdk/crypto/node.js'
import { toHex } from '../../../sdk/util/bytes.js'
import { backends } from './backends.js'
import { referenceIgeDecrypt, referenceIgeEncrypt } from './reference/ige.js'
import { hex, igeVectors } from './vectors.js'

describe('reference IGE (the oracle)', () => {
  it.each(igeVectors.openssl.map((v) => [v.listed_as!, v] as const))('matches OpenSSL igetest.c AES-128: %s', (_l, v) => {
    expect(toHex(referenceIgeEncrypt(hex(v.key), hex(v.iv), hex(v.plaintext)))).toBe(v.ciphertext)
    expect(toHex(referenceIgeDecrypt(hex(v.key), hex(v.iv), hex(v.ciphertext)))).toBe(v.plaintext)
  })
  it('matches every AES-256 vector (Telegram and random)', () => {
    for (const v of [...igeVectors.telegram, ...igeVectors.aes256]) {
      expect(toHex(referenceIgeEncrypt(hex(v.key), hex(v.iv), hex(v.plaintext)))).toBe(v.ciphertext)
      expect(toHex(referenceIgeDecrypt(hex(v.key), hex(v.iv), hex(v.ciphertext)))).toBe(v.plaintext)
    }
  })
})

/** Random (key, iv, data) with data a multiple of 16 up to `maxBlocks`, at a random byte offset. */
const igeInput = (maxBlocks: number) =>
  fc.record({
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    iv: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    blocks: fc.integer({ min: 1, max: maxBlocks }),
    offset: fc.integer({ min: 0, max: 7 }),
    seed: fc.integer(),
  }).map(({ key, iv, blocks, offset, seed }) => {
    const backing = new Uint8Array(offset + blocks * 16)
    for (let i = 0; i < backing.length; i++) backing[i] = (seed * 31 + i * 131) & 0xff
    return { key, iv, data: backing.subarray(offset), offset }
  })

describe('fast IGE equals the reference (fast-check)', () => {
  it('noble IGE encryption and decryption, any length and alignment', () => {
    fc.assert(
      fc.property(igeInput(80), ({ key, iv, data }) => {
        expect(igeEncrypt(key, iv, data)).toEqual(referenceIgeEncrypt(key, iv, data))
        expect(igeDecrypt(key, iv, data)).toEqual(referenceIgeDecrypt(key, iv, data))
      }),
      { numRuns: 200 },
    )
  })
  it('CBC-based IGE encryption equals noble IGE, any length and alignment', () => {
    fc.assert(
      fc.property(igeInput(400), ({ key, iv, data }) => {
        expect(igeEncryptCbc(key, iv, data)).toEqual(igeEncrypt(key, iv, data))
      }),
      { numRuns: 300 },
    )
  })
  it('the node backend switches to the CBC path at its threshold and agrees on both sides of it', () => {
    const key = new Uint8Array(32).fill(1)
    const iv = new Uint8Array(32).fill(2)
    for (const n of [IGE_CBC_MIN_BYTES - 16, IGE_CBC_MIN_BYTES, IGE_CBC_MIN_BYTES + 16]) {
      const data = new Uint8Array(n).map((_, i) => i)
      expect(nodeProvider.igeEncrypt(key, iv, data)).toEqual(referenceIgeEncrypt(key, iv, data))
    }
  })
  it('the CBC path checks its arguments like the others', () => {
    expect(() => igeEncryptCbc(new Uint8Array(32), new Uint8Array(32), new Uint8Array(17))).toThrow(
      expect.objectContaining({ code: 'CRYPTO_BAD_LENGTH' }),
    )
    expect(() => igeEncryptCbc(new Uint8Array(32), new Uint8Array(31), new Uint8Array(16))).toThrow(RangeError)
  })
  it.each(backends)('the %s backend’s IGE equals the reference, both directions', (_name, p) => {
    fc.assert(
      fc.property(igeInput(80), ({ key, iv, data }) => {
        expect(p.igeEncrypt(key, iv, data)).toEqual(referenceIgeEncrypt(key, iv, data))
        expect(p.igeDecrypt(key, iv, data)).toEqual(referenceIgeDecrypt(key, iv, data))
      }),
      { numRuns: 150 },
    )
  })
  it('decrypt(encrypt(x)) = x on both paths', () => {
    fc.assert(
      fc.property(igeInput(300), ({ key, iv, data }) => {
        expect(igeDecrypt(key, iv, igeEncryptCbc(key, iv, data))).toEqual(data)
        expect(igeDecrypt(key, iv, igeEncrypt(key, iv, data))).toEqual(data)
      }),
      { numRuns: 150 },
    )
  })
  it('CBC path: Node Buffers at odd offsets, pooled iv (Buffer#slice is a view, not a copy)', () => {
    const key = Buffer.from(new Uint8Array(32).map((_, i) => i))
    const iv = Buffer.from(new Uint8Array(32).map((_, i) => 200 - i)) // from the shared pool
    const backing = Buffer.alloc(1 + 1024)
    const data = backing.subarray(1)
    data.forEach((_, i) => (data[i] = i * 13))
    const expected = referenceIgeEncrypt(new Uint8Array(key), new Uint8Array(iv), new Uint8Array(data))
    const ivBefore = Buffer.from(iv)
    expect(igeEncryptCbc(key, iv, data)).toEqual(expected)
    expect(nodeProvider.igeEncrypt(key, iv, data)).toEqual(expected)
    expect(iv.equals(ivBefore)).toBe(true)
  })
  it('does not modify its inputs', () => {
    const key = new Uint8Array(32).fill(7)
    const iv = new Uint8Array(32).fill(9)
    const data = new Uint8Array(4096).fill(3)
    igeEncryptCbc(key, iv, data)
    igeEncrypt(key, iv, data)
    igeDecrypt(key, iv, data)
    expect([key, iv, data].every((b, i) => b.every((x) => x === [7, 9, 3][i]))).toBe(true)
  })
})
