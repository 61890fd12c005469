/**
 * The compact table AES-256-IGE (sdk/crypto/aes-ige-compact.ts: every backend's IGE, node's for
 * short encryptions and every decryption) against the readable reference of reference/ige.ts, the AES-256 vectors and
 * noble's IGE: random keys, ivs, lengths and buffer alignments (fast-check), inputs untouched.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { igeDecrypt, igeEncrypt } from '../../../sdk/crypto/aes-ige.js'
import { igeDecryptCompact, igeEncryptCompact } from '../../../sdk/crypto/aes-ige-compact.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { toHex } from '../../../sdk/util/bytes.js'
import { referenceIgeDecrypt, referenceIgeEncrypt } from './reference/ige.js'
import { hex, igeVectors } from './vectors.js'

/** Random (key, iv, data) with data a multiple of 16 up to `maxBlocks`, key/iv/data at random byte offsets. */
const igeInput = (maxBlocks: number) =>
  fc
    .record({
      key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      iv: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      blocks: fc.integer({ min: 1, max: maxBlocks }),
      offset: fc.integer({ min: 0, max: 7 }),
      ivOffset: fc.integer({ min: 0, max: 3 }),
      seed: fc.integer(),
    })
    .map(({ key, iv, blocks, offset, ivOffset, seed }) => {
      const backing = Buffer.alloc(offset + blocks * 16)
      for (let i = 0; i < backing.length; i++) backing[i] = (seed * 31 + i * 131) & 0xff
      const ivBacking = Buffer.alloc(ivOffset + 32)
      ivBacking.set(iv, ivOffset)
      return { key, iv: ivBacking.subarray(ivOffset), data: backing.subarray(offset) }
    })

describe('compact table AES-256-IGE', () => {
  it('matches every AES-256 vector (Telegram and random), both directions', () => {
    for (const v of [...igeVectors.telegram, ...igeVectors.aes256]) {
      expect(toHex(igeEncryptCompact(hex(v.key), hex(v.iv), hex(v.plaintext)))).toBe(v.ciphertext)
      expect(toHex(igeDecryptCompact(hex(v.key), hex(v.iv), hex(v.ciphertext)))).toBe(v.plaintext)
    }
  })

  it('equals the reference for any key, iv, length and alignment (fast-check)', () => {
    fc.assert(
      fc.property(igeInput(70), ({ key, iv, data }) => {
        const ct = referenceIgeEncrypt(new Uint8Array(key), new Uint8Array(iv), new Uint8Array(data))
        expect(igeEncryptCompact(key, iv, data)).toEqual(ct)
        expect(igeDecryptCompact(key, iv, data)).toEqual(referenceIgeDecrypt(new Uint8Array(key), new Uint8Array(iv), new Uint8Array(data)))
        expect(igeDecryptCompact(key, iv, ct)).toEqual(new Uint8Array(data))
      }),
      { numRuns: 200 },
    )
  })

  it('equals noble IGE on frame-sized inputs, through both providers too', () => {
    fc.assert(
      fc.property(igeInput(40), ({ key, iv, data }) => {
        for (const p of [nodeProvider, nobleProvider]) {
          expect(p.igeEncrypt(key, iv, data)).toEqual(igeEncrypt(key, iv, data))
          expect(p.igeDecrypt(key, iv, data)).toEqual(igeDecrypt(key, iv, data))
        }
      }),
      { numRuns: 200 },
    )
  })

  it('leaves its inputs unchanged and returns plain arrays of its own', () => {
    const key = Buffer.alloc(33, 7).subarray(1)
    const iv = Buffer.alloc(34, 9).subarray(2)
    const data = Buffer.alloc(1 + 480, 3).subarray(1)
    for (const out of [igeEncryptCompact(key, iv, data), igeDecryptCompact(key, iv, data)]) {
      expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype)
      expect(out.buffer.byteLength).toBe(480)
    }
    expect([key, iv, data].every((b, i) => b.every((x) => x === [7, 9, 3][i]))).toBe(true)
  })

  it('checks its arguments like the other IGE implementations', () => {
    for (const f of [igeEncryptCompact, igeDecryptCompact]) {
      for (const n of [0, 15, 17]) expect(() => f(new Uint8Array(32), new Uint8Array(32), new Uint8Array(n))).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_LENGTH' }))
      expect(() => f(new Uint8Array(16), new Uint8Array(32), new Uint8Array(16))).toThrow(RangeError)
      expect(() => f(new Uint8Array(32), new Uint8Array(31), new Uint8Array(16))).toThrow(RangeError)
    }
  })
})
