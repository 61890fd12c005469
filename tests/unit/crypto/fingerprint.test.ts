/**
 * Verification codes (docs/PROTOCOL.md §4.7) against a straightforward reference written here on
 * node:crypto from the spec's words; symmetric in the two keys (fast-check); the same on every
 * backend; the emoji table complete and unambiguous.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EMOJI, emojiIndices, SAFETY_NUMBER_ITERATIONS, safetyNumber, verificationCode } from '../../../sdk/crypto/fingerprint.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { fromHex } from '../../../sdk/util/bytes.js'

function referenceHalf(key: Uint8Array): string {
  let h = Buffer.concat([Buffer.from([0, 0]), key, Buffer.from('mt-chat')])
  for (let i = 0; i < 5200; i++) h = createHash('sha512').update(h).update(key).digest()
  return [0, 5, 10, 15, 20, 25].map((o) => String(Number(h.readBigUInt64BE(o) >> 24n) % 100000).padStart(5, '0')).join('')
}

function referenceEmoji(a: Uint8Array, b: Uint8Array): number[] {
  const [lo, hi] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a]
  const d = createHash('sha256').update('mt-chat/emoji/v1').update(lo).update(hi).digest()
  const bits = [...d.subarray(0, 6)].map((x) => x.toString(2).padStart(8, '0')).join('')
  return Array.from({ length: 8 }, (_, i) => Number.parseInt(bits.slice(6 * i, 6 * i + 6), 2))
}

const alice = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
const bob = fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c')

describe.each([['noble', nobleProvider], ['node', nodeProvider]] as const)('fingerprint on %s', (_n, p) => {
  it('safety number: the two sorted 30-digit halves of the spec', () => {
    expect(SAFETY_NUMBER_ITERATIONS).toBe(5200)
    const halves = [referenceHalf(alice), referenceHalf(bob)].sort()
    expect(safetyNumber(p, alice, bob)).toBe(halves.join(''))
    expect(safetyNumber(p, alice, bob)).toMatch(/^\d{60}$/)
  })
  it('emoji: the first eight 6-bit groups of the labelled hash', () => {
    expect(emojiIndices(p, alice, bob)).toEqual(referenceEmoji(alice, bob))
    const code = verificationCode(p, bob, alice)
    expect(code.emoji).toEqual(referenceEmoji(alice, bob).map((i) => EMOJI[i][0]))
    expect(code.emojiNames).toEqual(referenceEmoji(alice, bob).map((i) => EMOJI[i][1]))
  })
  it('refuses keys that are not 32 bytes', () => {
    expect(() => safetyNumber(p, alice, bob.subarray(1))).toThrow(new RangeError('"keyB" expected Uint8Array of length 32, got length=31'))
    expect(() => emojiIndices(p, 'k' as unknown as Uint8Array, bob)).toThrow(TypeError)
  })
})

describe('fingerprint properties', () => {
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 })
  it('emoji are symmetric in the keys and match the reference (fast-check)', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(emojiIndices(nodeProvider, a, b)).toEqual(emojiIndices(nodeProvider, b, a))
        expect(emojiIndices(nodeProvider, a, b)).toEqual(referenceEmoji(a, b))
      }),
      { numRuns: 300 },
    )
  })
  it('safety numbers are symmetric and the same on both backends (fast-check)', () => {
    fc.assert(
      fc.property(key, key, (a, b) => {
        const n = safetyNumber(nodeProvider, a, b)
        expect(safetyNumber(nodeProvider, b, a)).toBe(n)
        expect(safetyNumber(nobleProvider, a, b)).toBe(n)
      }),
      { numRuns: 8 },
    )
  })
  it('a different key changes both codes', () => {
    const mallory = alice.slice()
    mallory[31] ^= 1
    expect(safetyNumber(nodeProvider, mallory, bob)).not.toBe(safetyNumber(nodeProvider, alice, bob))
    expect(emojiIndices(nodeProvider, mallory, bob)).not.toEqual(emojiIndices(nodeProvider, alice, bob))
  })
  it('the table has 64 distinct emoji and names', () => {
    expect(EMOJI.length).toBe(64)
    expect(new Set(EMOJI.map((e) => e[0])).size).toBe(64)
    expect(new Set(EMOJI.map((e) => e[1])).size).toBe(64)
  })
})
