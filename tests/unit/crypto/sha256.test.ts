/**
 * The compact SHA-256 of the pure-JS core (sdk/crypto/sha256.ts) against @noble/hashes (the
 * reference it replaced) and node:crypto (OpenSSL): FIPS 180-2's examples, every length across the
 * padding boundaries, random inputs fed in random pieces (fast-check), and Wycheproof's HMAC-SHA256
 * cases with an HMAC built on it.
 */
import { createHash } from 'node:crypto'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256, sha256Hasher } from '../../../sdk/crypto/sha256.js'
import { toHex, utf8 } from '../../../sdk/util/bytes.js'
import { cases, hex, hmacVectors } from './vectors.js'

const node = (data: Uint8Array) => toHex(createHash('sha256').update(data).digest())

/** HMAC (RFC 2104) over the SHA-256 under test. */
function hmac(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const k = new Uint8Array(64)
  k.set(key.length > 64 ? sha256(key) : key)
  const pad = (x: number) => k.map((b) => b ^ x)
  return sha256(pad(0x5c), sha256(pad(0x36), msg))
}

describe('compact SHA-256', () => {
  it('gives FIPS 180-2 appendix B digests (and the empty string)', () => {
    expect(toHex(sha256(utf8('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(toHex(sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(toHex(sha256(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
    const million = sha256Hasher()
    const chunk = utf8('a'.repeat(1000))
    for (let i = 0; i < 1000; i++) million.update(chunk)
    expect(toHex(million.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })

  it('matches node:crypto and @noble/hashes for every length 0..300 (all padding cases)', () => {
    const data = new Uint8Array(300).map((_, i) => (i * 167 + 13) & 0xff)
    for (let n = 0; n <= 300; n++) {
      const part = data.subarray(0, n)
      expect(toHex(sha256(part))).toBe(node(part))
      expect(toHex(sha256(part))).toBe(toHex(nobleSha256(part)))
    }
  })

  it('is the same however the input is split, and leaves its inputs untouched (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(2000), { maxLength: 6 }), (data, cuts) => {
        const copy = data.slice()
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b)
        const parts: Uint8Array[] = []
        let from = 0
        for (const p of points) {
          parts.push(data.subarray(from, p))
          from = p
        }
        parts.push(data.subarray(from))
        const h = sha256Hasher()
        for (const p of parts) h.update(p)
        const expected = node(data)
        expect(toHex(h.digest())).toBe(expected)
        expect(toHex(sha256(...parts))).toBe(expected)
        expect(data).toEqual(copy)
      }),
      { numRuns: 300 },
    )
  })

  it('reads inputs at any byte offset of their buffer', () => {
    const backing = new Uint8Array(200).map((_, i) => i)
    for (let off = 0; off < 8; off++) {
      const view = backing.subarray(off, off + 130)
      expect(toHex(sha256(view))).toBe(node(view))
    }
  })

  it('a part that is not bytes throws and leaves nothing behind for the next digest', () => {
    expect(() => sha256(utf8('abc'), undefined as unknown as Uint8Array)).toThrow(TypeError)
    expect(toHex(sha256(utf8('abc')))).toBe(node(utf8('abc')))
  })

  it('refuses to be used after digest()', () => {
    const h = sha256Hasher().update(utf8('x'))
    h.digest()
    expect(() => h.update(utf8('y'))).toThrow(TypeError)
    expect(() => h.digest()).toThrow(TypeError)
  })

  it.each(cases(hmacVectors).map(({ group, test }) => [test.tcId, test.result, group.tagSize, test] as const))(
    'HMAC on it passes Wycheproof HMAC-SHA256 #%i (%s)',
    (_id, result, tagSize, t) => {
      const tag = toHex(hmac(hex(t.key), hex(t.msg)).subarray(0, tagSize / 8))
      if (result === 'valid') expect(tag).toBe(t.tag)
      else expect(tag).not.toBe(t.tag)
    },
  )
})
