/**
 * The payload of docs/PROTOCOL.md §4.3: strict schemas for every DecryptedMessage and Action, the
 * ephemeral payload and its ±60 s date window, and the codec round trip.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkEphemeralDate, decodePayload, encodePayload } from '../../../../sdk/protocol/secret/payload.js'
import type { DecryptedMessage, SecretAction, SecretPayload } from '../../../../sdk/protocol/schemas/secret.js'
import { utf8 } from '../../../../sdk/util/bytes.js'
import { p } from './harness.js'

const rid = '0123456789abcdef'
const base = (message: DecryptedMessage): SecretPayload => ({
  layer: 1,
  random_id: rid,
  random_bytes: p.randomBytes(16),
  in_seq_no: 4,
  out_seq_no: 7,
  message,
})
const json = (o: unknown) => utf8(JSON.stringify(o))
const wire = (pl: SecretPayload) => JSON.parse(new TextDecoder().decode(encodePayload(pl))) as Record<string, unknown>

const actions: SecretAction[] = [
  { _: 'notifyLayer', layer: 1 },
  { _: 'resend', start: 1, end: 9 },
  { _: 'readMessages', random_ids: [rid] },
  { _: 'deleteMessages', random_ids: [rid, 'fedcba9876543210'] },
  { _: 'flushHistory' },
  { _: 'setTTL', ttl: 3600 },
  { _: 'screenshot', random_ids: [rid] },
  { _: 'noop' },
  { _: 'requestKey', exchange_id: rid, g_a: p.randomBytes(32) },
  { _: 'acceptKey', exchange_id: rid, g_b: p.randomBytes(32), key_fingerprint: p.randomBytes(8) },
  { _: 'commitKey', exchange_id: rid, key_fingerprint: p.randomBytes(8) },
  { _: 'abortKey', exchange_id: rid },
]

function expectBad(value: unknown, path?: string) {
  expect(() => decodePayload(json(value))).toThrow(
    expect.objectContaining({ code: 'SECRET_BAD_PAYLOAD', ...(path ? { details: expect.objectContaining({ path }) } : {}) }),
  )
}

describe('secret payload codec (§4.3)', () => {
  it('round-trips every action and message kind', () => {
    const file = {
      file_id: 'f_1',
      key: p.randomBytes(32),
      nonce_prefix: p.randomBytes(8),
      size: 123,
      sha256: p.randomBytes(32),
      mime: 'image/png',
      name: 'a.png',
      thumbnail: p.randomBytes(100),
    }
    const messages: DecryptedMessage[] = [
      { _: 'text', text: 'hi', reply_to: rid, ttl: 5 },
      { _: 'file', file, caption: 'look' },
      ...actions.map((action) => ({ _: 'service' as const, action })),
    ]
    for (const m of messages) {
      const pl = base(m)
      expect(decodePayload(encodePayload(pl))).toEqual({ kind: 'seq', payload: pl })
    }
  })

  it('round-trips any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 4096 }), fc.nat(), fc.nat(), (text, i, o) => {
        const pl = { ...base({ _: 'text', text }), in_seq_no: 2 * (i % 1e6), out_seq_no: 2 * (o % 1e6) + 1 }
        expect(decodePayload(encodePayload(pl))).toEqual({ kind: 'seq', payload: pl })
      }),
      { numRuns: 100 },
    )
  })

  it('is strict: unknown fields anywhere fail with the field named', () => {
    const ok = wire(base({ _: 'text', text: 'x' }))
    expectBad({ ...ok, extra: 1 }, 'extra')
    expectBad({ ...ok, message: { _: 'text', text: 'x', bold: true } }, 'message.bold')
    expectBad({ ...ok, message: { _: 'service', action: { _: 'noop', x: 1 } } }, 'message.action.x')
    expectBad({ ...ok, message: { _: 'poll', question: '?' } }, 'message._')
  })

  it('enforces the field rules', () => {
    const ok = wire(base({ _: 'text', text: 'x' }))
    expectBad({ ...ok, random_bytes: Buffer.alloc(14).toString('base64') }, 'random_bytes') // < 15
    expect(decodePayload(json({ ...ok, random_bytes: Buffer.alloc(15).toString('base64') })).kind).toBe('seq')
    expectBad({ ...ok, random_id: '0123456789ABCDEF' }, 'random_id')
    expectBad({ ...ok, layer: 0 }, 'layer')
    expectBad({ ...ok, out_seq_no: -1 }, 'out_seq_no')
    expectBad({ ...ok, in_seq_no: 1.5 }, 'in_seq_no')
    expectBad({ ...ok, message: { _: 'text', text: '' } }, 'message.text')
    expectBad({ ...ok, message: { _: 'service', action: { _: 'resend', start: 9, end: 1 } } })
    expectBad({ ...ok, message: { _: 'service', action: { _: 'readMessages', random_ids: [] } } }, 'message.action.random_ids')
    expectBad({ ...ok, message: { _: 'service', action: { _: 'requestKey', exchange_id: rid, g_a: 'AAAA' } } }, 'message.action.g_a')
    const { random_id: _r, ...noId } = ok
    expectBad(noId, 'random_id')
  })

  it('refuses what is not a JSON object', () => {
    for (const bad of [utf8('not json'), utf8('[1,2]'), utf8('null'), new Uint8Array([0xff, 0xfe])])
      expect(() => decodePayload(bad)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PAYLOAD', details: { reason: 'json' } }))
  })

  it('decodes the ephemeral payload and checks its date within ±60 s', () => {
    const now = 1_700_000_000_000
    const pl = { layer: 1, random_bytes: p.randomBytes(16), date: now, ephemeral: { _: 'typing' as const } }
    expect(decodePayload(encodePayload(pl))).toEqual({ kind: 'ephemeral', payload: pl })
    expectBad({ ...JSON.parse(new TextDecoder().decode(encodePayload(pl))), ephemeral: { _: 'dancing' } }, 'ephemeral._')
    expectBad({ ...JSON.parse(new TextDecoder().decode(encodePayload(pl))), in_seq_no: 1 }, 'in_seq_no')
    expect(() => checkEphemeralDate(now + 60_000, now)).not.toThrow()
    expect(() => checkEphemeralDate(now - 60_000, now)).not.toThrow()
    expect(() => checkEphemeralDate(now + 60_001, now)).toThrow(expect.objectContaining({ code: 'SECRET_EPHEMERAL_STALE' }))
    expect(() => checkEphemeralDate(now - 60_001, now)).toThrow(expect.objectContaining({ code: 'SECRET_EPHEMERAL_STALE' }))
  })
})
