import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nobleProvider as p } from '../../../sdk/crypto/noble.js'
import { keyId } from '../../../sdk/crypto/mtproto2.js'
import { MtChatError } from '../../../sdk/errors.js'
import {
  buildPlaintext,
  decodePlainFrame,
  encodePlainFrame,
  isPlainFrame,
  MIN_ENCRYPTED_FRAME_SIZE,
  openFrame,
  paddingLength,
  sealFrame,
  type FrameHeader,
} from '../../../sdk/protocol/frame.js'
import { craftFrame } from './helpers.js'

const authKey = Uint8Array.from({ length: 256 }, (_, i) => (i * 7 + 3) & 0xff)
const authKeyId = keyId(p, authKey)
const header: FrameHeader = { salt: new Uint8Array(8).fill(1), sessionId: new Uint8Array(8).fill(2), msgId: 0x6543210012345678n, seqNo: 7 }

function frameWith(body: Uint8Array, padLen = paddingLength(body.length)): Uint8Array {
  return sealFrame(p, authKey, authKeyId, 0, buildPlaintext(header, body, new Uint8Array(padLen).fill(0xaa)))
}

describe('unencrypted frames (§2.1)', () => {
  it('are auth_key_id 0 ‖ msg_id ‖ length ‖ body and decode back', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.uint8Array({ maxLength: 300 }), (msgId, body) => {
        const frame = encodePlainFrame(msgId, body)
        expect(frame.length).toBe(20 + body.length)
        expect(isPlainFrame(frame)).toBe(true)
        const back = decodePlainFrame(frame)
        expect(back.msgId).toBe(msgId)
        expect(back.body).toEqual(body)
      }),
    )
  })

  it('reject a nonzero auth_key_id, a short frame or a length that does not match', () => {
    const frame = encodePlainFrame(4n, new Uint8Array(10))
    const cases = [frame.subarray(0, 19), frame.subarray(0, frame.length - 1), Uint8Array.from([...frame, 0])]
    const keyed = frame.slice()
    keyed[3] = 1
    cases.push(keyed)
    for (const bad of cases) {
      expect(() => decodePlainFrame(bad)).toThrow(MtChatError)
      expect(() => decodePlainFrame(bad)).toThrow(expect.objectContaining({ code: 'HANDSHAKE_BAD_FRAME' }))
    }
    expect(isPlainFrame(keyed)).toBe(false)
  })
})

describe('encrypted frames (§2.3)', () => {
  it('round-trip any body, header and padding', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 0, max: 62 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom<0 | 8>(0, 8),
        (body, extra, msgId, seqNo, x) => {
          const h = { ...header, msgId, seqNo }
          const frame = sealFrame(p, authKey, authKeyId, x, buildPlaintext(h, body, new Uint8Array(paddingLength(body.length, extra))))
          expect((frame.length - 24) % 16).toBe(0)
          const r = openFrame(p, authKey, authKeyId, x, frame)
          expect(r.ok).toBe(true)
          if (!r.ok) return
          expect(r.body).toEqual(body)
          expect([r.msgId, r.seqNo, r.salt, r.sessionId]).toEqual([msgId, seqNo, h.salt, h.sessionId])
        },
      ),
      { numRuns: 200 },
    )
  })

  it('choose padding of 12..27 bytes plus whole extra blocks, aligning to 16', () => {
    for (let len = 0; len < 64; len++) {
      const pad = paddingLength(len)
      expect(pad).toBeGreaterThanOrEqual(12)
      expect(pad).toBeLessThanOrEqual(27)
      expect((32 + len + pad) % 16).toBe(0)
      expect(paddingLength(len, 62)).toBe(pad + 62 * 16)
    }
  })

  it('refuse to build a plaintext whose padding breaks §2.3', () => {
    expect(() => buildPlaintext(header, new Uint8Array(5), new Uint8Array(11))).toThrow(RangeError) // aligned, too short
    expect(() => buildPlaintext(header, new Uint8Array(4), new Uint8Array(13))).toThrow(RangeError) // not aligned
    expect(() => buildPlaintext(header, new Uint8Array(0), new Uint8Array(1040))).toThrow(RangeError) // aligned, too long
    expect(buildPlaintext(header, new Uint8Array(4), new Uint8Array(12)).length).toBe(48)
  })

  it('check size, alignment and key id before decrypting', () => {
    const frame = frameWith(new Uint8Array(40))
    expect(openFrame(p, authKey, authKeyId, 0, frame.subarray(0, MIN_ENCRYPTED_FRAME_SIZE - 1))).toEqual({ ok: false, code: 'FRAME_TOO_SHORT' })
    expect(openFrame(p, authKey, authKeyId, 0, frame, frame.length - 1)).toEqual({ ok: false, code: 'FRAME_TOO_LARGE' })
    expect(openFrame(p, authKey, authKeyId, 0, frame.subarray(0, frame.length - 1))).toEqual({ ok: false, code: 'FRAME_BAD_ALIGNMENT' })
    const otherId = frame.slice()
    otherId[0] ^= 1
    expect(openFrame(p, authKey, authKeyId, 0, otherId)).toEqual({ ok: false, code: 'FRAME_UNKNOWN_KEY' })
  })

  it('authenticate with the sender direction: a frame sealed with x = 0 does not open as x = 8', () => {
    const frame = frameWith(new Uint8Array(40))
    expect(openFrame(p, authKey, authKeyId, 8, frame)).toEqual({ ok: false, code: 'FRAME_BAD_MSG_KEY' })
  })

  it('reject a length field larger than the payload, and padding outside 12..1024, after authenticating', () => {
    const base = { salt: header.salt, sessionId: header.sessionId, msgId: 4n, seqNo: 1, body: new Uint8Array(20) }
    const keys = { authKey, authKeyId }
    const open = (f: Uint8Array) => openFrame(p, authKey, authKeyId, 0, f)
    // 32 + 20 + 12 = 64 bytes: 32 after the header, so a length above 32 points past the payload.
    expect(open(craftFrame(keys, 0, { ...base, padding: new Uint8Array(12) })).ok).toBe(true)
    expect(open(craftFrame(keys, 0, { ...base, padding: new Uint8Array(12), length: 33 }))).toEqual({ ok: false, code: 'FRAME_BAD_LENGTH' })
    expect(open(craftFrame(keys, 0, { ...base, padding: new Uint8Array(12), length: 0xffffffff }))).toEqual({ ok: false, code: 'FRAME_BAD_LENGTH' })
    // A length that fits but leaves 11 bytes of padding.
    expect(open(craftFrame(keys, 0, { ...base, padding: new Uint8Array(12), length: 21 }))).toEqual({ ok: false, code: 'FRAME_BAD_PADDING' })
    expect(open(craftFrame(keys, 0, { ...base, body: new Uint8Array(21), padding: new Uint8Array(11) }))).toEqual({ ok: false, code: 'FRAME_BAD_PADDING' })
    expect(open(craftFrame(keys, 0, { ...base, padding: new Uint8Array(1036) }))).toEqual({ ok: false, code: 'FRAME_BAD_PADDING' })
    expect(open(craftFrame(keys, 0, { ...base, padding: new Uint8Array(1020) })).ok).toBe(true)
  })
})
