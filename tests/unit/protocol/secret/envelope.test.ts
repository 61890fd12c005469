/**
 * The secret envelope of docs/PROTOCOL.md §4.2: layout, padding bounds, authenticate-first, and the
 * codes of every way an envelope can be wrong.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Direction, encryptMessage } from '../../../../sdk/crypto/mtproto2.js'
import { MAX_PAYLOAD_LENGTH, openEnvelope, sealEnvelope } from '../../../../sdk/protocol/secret/envelope.js'
import { writeU32LE } from '../../../../sdk/util/bytes.js'
import { p } from './harness.js'

const key = p.randomBytes(256)
const fp = p.randomBytes(8)

/** Seals a hand-made plaintext correctly (valid msg_key), to reach the checks after authentication. */
function sealRaw(plaintext: Uint8Array, x: Direction = 0): Uint8Array {
  return encryptMessage(p, key, fp, x, plaintext)
}

function plaintextOf(length: number, payloadLength: number): Uint8Array {
  const pt = p.randomBytes(length)
  writeU32LE(pt, 0, payloadLength)
  return pt
}

const code = (f: () => unknown) => {
  try {
    f()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return 'no error'
}

describe('secret envelope (§4.2)', () => {
  it('round-trips any payload with 12..1024 bytes of padding and a block-aligned body', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom<Direction>(0, 8), (payload, x) => {
        const data = sealEnvelope(p, key, fp, x, payload)
        expect(data.subarray(0, 8)).toEqual(fp)
        expect((data.length - 24) % 16).toBe(0)
        const pad = data.length - 24 - 4 - payload.length
        expect(pad).toBeGreaterThanOrEqual(12)
        expect(pad).toBeLessThanOrEqual(1024)
        expect(openEnvelope(p, key, x, data)).toEqual(payload)
      }),
      { numRuns: 100 },
    )
  })

  it('fails SECRET_BAD_MSG_KEY when reflected (opened with the other direction)', () => {
    const data = sealEnvelope(p, key, fp, 0, new Uint8Array(10))
    expect(code(() => openEnvelope(p, key, 8, data))).toBe('SECRET_BAD_MSG_KEY')
    expect(code(() => openEnvelope(p, p.randomBytes(256), 0, data))).toBe('SECRET_BAD_MSG_KEY')
  })

  it('fails SECRET_BAD_MSG_KEY for any single bit flip in msg_key or ciphertext', () => {
    const data = sealEnvelope(p, key, fp, 0, p.randomBytes(100))
    fc.assert(
      fc.property(fc.integer({ min: 8 * 8, max: data.length * 8 - 1 }), (bit) => {
        const bad = data.slice()
        bad[bit >> 3] ^= 1 << (bit & 7)
        expect(code(() => openEnvelope(p, key, 0, bad))).toBe('SECRET_BAD_MSG_KEY')
      }),
      { numRuns: 200 },
    )
  })

  it('fails truncation and extension: SECRET_BAD_ENVELOPE when misaligned, SECRET_BAD_MSG_KEY when aligned', () => {
    const data = sealEnvelope(p, key, fp, 0, p.randomBytes(100))
    fc.assert(
      fc.property(fc.integer({ min: -(data.length - 1), max: 64 }).filter((d) => d !== 0), (delta) => {
        const changed = delta < 0 ? data.slice(0, data.length + delta) : Uint8Array.from([...data, ...p.randomBytes(delta)])
        const expected = changed.length < 40 || (changed.length - 24) % 16 !== 0 ? 'SECRET_BAD_ENVELOPE' : 'SECRET_BAD_MSG_KEY'
        expect(code(() => openEnvelope(p, key, 0, changed))).toBe(expected)
      }),
      { numRuns: 150 },
    )
  })

  it('checks length and padding only after authentication: SECRET_BAD_PAYLOAD', () => {
    // Authentic plaintexts whose length field is wrong.
    expect(code(() => openEnvelope(p, key, 0, sealRaw(plaintextOf(64, 61))))).toBe('SECRET_BAD_PAYLOAD') // larger than the data
    expect(code(() => openEnvelope(p, key, 0, sealRaw(plaintextOf(64, 49))))).toBe('SECRET_BAD_PAYLOAD') // padding 11
    expect(code(() => openEnvelope(p, key, 0, sealRaw(plaintextOf(64, 48))))).toEqual('no error') // padding 12
    expect(code(() => openEnvelope(p, key, 0, sealRaw(plaintextOf(1040, 12))))).toEqual('no error') // padding 1024
    expect(code(() => openEnvelope(p, key, 0, sealRaw(plaintextOf(1040, 11))))).toBe('SECRET_BAD_PAYLOAD') // padding 1025
    expect(code(() => openEnvelope(p, key, 0, sealRaw(plaintextOf(64, 0xffffffff))))).toBe('SECRET_BAD_PAYLOAD')
  })

  it('refuses to seal a payload larger than the relay accepts (INVALID_ARGUMENT)', () => {
    expect(code(() => sealEnvelope(p, key, fp, 0, new Uint8Array(MAX_PAYLOAD_LENGTH + 1)))).toBe('INVALID_ARGUMENT')
    expect(sealEnvelope(p, key, fp, 0, new Uint8Array(MAX_PAYLOAD_LENGTH)).length).toBeLessThanOrEqual(256 * 1024)
  })
})
