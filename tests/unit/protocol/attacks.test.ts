/**
 * Attacks on layer 1 (docs/PROTOCOL.md §2.4 and DESIGN.md "Lessons from the published analyses"),
 * each asserting the specific error code. Frames a correct peer never makes are crafted with the
 * session's own key (an attacker who cannot do that only reaches the pre-authentication checks).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nobleProvider as p } from '../../../sdk/crypto/noble.js'
import { paddingLength } from '../../../sdk/protocol/frame.js'
import { msgIdAt } from '../../../sdk/protocol/msg-id.js'
import { SALT_GRACE_MS, SALT_PERIOD_MS } from '../../../sdk/protocol/salts.js'
import { encodeBody } from '../../../sdk/protocol/schemas/common.js'
import { Session, type UnpackResult } from '../../../sdk/protocol/session.js'
import { FROM_CLIENT } from '../../../sdk/protocol/schemas/registry.js'
import { craftFrame, sessionPair, type Craft } from './helpers.js'

const send = { _: 'messages.send', peer: 42, random_id: '00112233aabbccdd', text: 'hi' } as const
const sendBytes = encodeBody(send)

function codeOf(r: UnpackResult<unknown>): string {
  return r.ok ? 'accepted' : r.error.code
}

/** A session pair plus crafting in both directions with sensible defaults. */
async function setup(opts: Parameters<typeof sessionPair>[0] = {}) {
  const pair = await sessionPair(opts)
  const { keys, client, clock } = pair
  const base = (bits: bigint, body: Uint8Array): Craft => ({
    salt: keys.salt,
    sessionId: client.sessionId!,
    msgId: (msgIdAt(clock.t) & ~3n) | bits,
    seqNo: 1,
    body,
    padding: new Uint8Array(paddingLength(body.length)),
  })
  return {
    ...pair,
    fromClient: (c: Partial<Craft> = {}) => craftFrame(keys, 0, { ...base(0n, sendBytes), ...c }),
    fromRelay: (c: Partial<Craft> = {}) =>
      craftFrame(keys, 8, { ...base(1n, encodeBody({ _: 'rpc_result', req_msg_id: 4n, result: {} })), ...c }),
  }
}

describe('replay', () => {
  it('a replayed frame is MSG_ID_TOO_LOW (16), in both directions', async () => {
    const { client, relay } = await setup()
    const f = client.pack(send).frame
    expect(codeOf(relay.unpack(f))).toBe('accepted')
    const again = relay.unpack(f)
    expect(codeOf(again)).toBe('MSG_ID_TOO_LOW')
    expect(again.ok || again.notify).toMatchObject({ _: 'bad_msg_notification', error_code: 16 })
    expect(again.ok || again.error.details.reason).toBe('duplicate')

    const g = relay.pack({ _: 'rpc_result', req_msg_id: 1n, result: {} }).frame
    expect(codeOf(client.unpack(g))).toBe('accepted')
    expect(codeOf(client.unpack(g))).toBe('MSG_ID_TOO_LOW')
  })
})

describe('msg_id', () => {
  it('too old (20), too far ahead (17) and wrong low bits (18) from the client', async () => {
    const { fromClient, relay, clock } = await setup({ relay: { maxPreAuthFailures: Infinity } })
    const id = (dt: number, bits: bigint) => (msgIdAt(clock.t + dt) & ~3n) | bits
    const cases: [bigint, string, number][] = [
      [id(-301_000, 0n), 'MSG_ID_TOO_OLD', 20],
      [id(31_000, 0n), 'MSG_ID_TOO_HIGH', 17],
      [id(0, 1n), 'MSG_ID_BAD_BITS', 18],
      [id(0, 2n), 'MSG_ID_BAD_BITS', 18],
      [id(0, 3n), 'MSG_ID_BAD_BITS', 18],
    ]
    for (const [msgId, code, n] of cases) {
      const r = relay.unpack(fromClient({ msgId }))
      expect(codeOf(r)).toBe(code)
      expect(r.ok || r.notify).toEqual({ _: 'bad_msg_notification', bad_msg_id: msgId, bad_msg_seqno: 1, error_code: n })
    }
    expect(codeOf(relay.unpack(fromClient()))).toBe('accepted')
  })

  it('too old, too far ahead and wrong low bits (0 or 2) from the relay', async () => {
    const { fromRelay, client, relay, clock } = await setup()
    const id = (dt: number, bits: bigint) => (msgIdAt(clock.t + dt) & ~3n) | bits
    relay.unpack(client.pack(send).frame)
    expect(codeOf(client.unpack(fromRelay({ msgId: id(-301_000, 1n) })))).toBe('MSG_ID_TOO_OLD')
    expect(codeOf(client.unpack(fromRelay({ msgId: id(31_000, 3n) })))).toBe('MSG_ID_TOO_HIGH')
    expect(codeOf(client.unpack(fromRelay({ msgId: id(0, 0n) })))).toBe('MSG_ID_BAD_BITS')
    expect(codeOf(client.unpack(fromRelay({ msgId: id(0, 2n) })))).toBe('MSG_ID_BAD_BITS')
    expect(codeOf(client.unpack(fromRelay({ msgId: id(0, 3n) })))).toBe('accepted')
  })
})

describe('seq_no', () => {
  it('too high (33), too low (32) and wrong parity (35, 34) from the client', async () => {
    const { fromClient, relay, clock } = await setup()
    const ping = encodeBody({ _: 'ping', ping_id: 9n })
    const at = (ms: number) => msgIdAt(clock.t + ms) & ~3n
    expect(codeOf(relay.unpack(fromClient({ msgId: at(1), seqNo: 3 })))).toBe('SEQ_NO_TOO_HIGH')
    expect(codeOf(relay.unpack(fromClient({ msgId: at(2), seqNo: 1 })))).toBe('accepted')
    const low = relay.unpack(fromClient({ msgId: at(3), seqNo: 1 }))
    expect(codeOf(low)).toBe('SEQ_NO_TOO_LOW')
    expect(low.ok || low.notify).toMatchObject({ error_code: 32, bad_msg_seqno: 1 })
    expect(codeOf(relay.unpack(fromClient({ msgId: at(4), seqNo: 4 })))).toBe('SEQ_NO_EXPECTED_ODD')
    expect(codeOf(relay.unpack(fromClient({ msgId: at(5), seqNo: 3, body: ping, padding: new Uint8Array(paddingLength(ping.length)) })))).toBe(
      'SEQ_NO_EXPECTED_EVEN',
    )
    expect(codeOf(relay.unpack(fromClient({ msgId: at(6), seqNo: 0, body: ping, padding: new Uint8Array(paddingLength(ping.length)) })))).toBe(
      'SEQ_NO_TOO_LOW',
    )
    expect(codeOf(relay.unpack(fromClient({ msgId: at(7), seqNo: 3 })))).toBe('accepted')
  })

  it('too high, too low and wrong parity from the relay', async () => {
    const { fromRelay, client, relay, clock } = await setup()
    relay.unpack(client.pack(send).frame)
    const at = (ms: number) => (msgIdAt(clock.t + ms) & ~3n) | 1n
    const pong = encodeBody({ _: 'pong', msg_id: 1n, ping_id: 1n })
    const pongPad = new Uint8Array(paddingLength(pong.length))
    expect(codeOf(client.unpack(fromRelay({ msgId: at(1), seqNo: 5 })))).toBe('SEQ_NO_TOO_HIGH')
    expect(codeOf(client.unpack(fromRelay({ msgId: at(2), seqNo: 2 })))).toBe('SEQ_NO_EXPECTED_ODD')
    expect(codeOf(client.unpack(fromRelay({ msgId: at(3), seqNo: 1, body: pong, padding: pongPad })))).toBe('SEQ_NO_EXPECTED_EVEN')
    expect(codeOf(client.unpack(fromRelay({ msgId: at(4), seqNo: 1 })))).toBe('accepted')
    expect(codeOf(client.unpack(fromRelay({ msgId: at(5), seqNo: 1 })))).toBe('SEQ_NO_TOO_LOW')
    expect(codeOf(client.unpack(fromRelay({ msgId: at(6), seqNo: 0, body: pong, padding: pongPad })))).toBe('SEQ_NO_TOO_LOW')
  })
})

describe('keys and session', () => {
  it('a wrong auth_key_id is FRAME_UNKNOWN_KEY, before any decryption, with nothing sent back', async () => {
    const { client, relay } = await setup()
    const f = client.pack(send).frame.slice()
    f[0] ^= 0x80
    const r = relay.unpack(f)
    expect(codeOf(r)).toBe('FRAME_UNKNOWN_KEY')
    expect(r.ok || [r.preAuth, r.notify]).toEqual([true, undefined])
    const other = await (await sessionPair()).client // another connection's key
    expect(codeOf(relay.unpack(other.pack(send).frame))).toBe('FRAME_UNKNOWN_KEY')
  })

  it('a wrong session_id is FRAME_BAD_SESSION and closes the connection (4002)', async () => {
    const { fromClient, client, relay } = await setup()
    expect(codeOf(relay.unpack(client.pack(send).frame))).toBe('accepted')
    const r = relay.unpack(fromClient({ sessionId: new Uint8Array(8).fill(9), seqNo: 3 }))
    expect(codeOf(r)).toBe('FRAME_BAD_SESSION')
    expect(r.ok || [r.close, r.notify]).toEqual([4002, undefined])
  })

  it('reflection: a frame fed back to its own sender fails msg_key because x differs', async () => {
    const { client, relay } = await setup()
    const f = client.pack(send).frame
    expect(codeOf(client.unpack(f))).toBe('FRAME_BAD_MSG_KEY')
    relay.unpack(f)
    expect(codeOf(relay.unpack(relay.pack({ _: 'pong', msg_id: 1n, ping_id: 1n }).frame))).toBe('FRAME_BAD_MSG_KEY')
  })
})

describe('salt', () => {
  it('a stale salt gets bad_server_salt with the new salt; the client adopts it and re-sends under a new msg_id', async () => {
    const { client, relay, clock } = await setup()
    expect(codeOf(relay.unpack(client.pack(send).frame))).toBe('accepted')
    relay.takeSaltAnnouncement() // announced, but the client never got it
    clock.advance(SALT_PERIOD_MS + SALT_GRACE_MS + 1)
    const req = client.pack(send)
    const r = relay.unpack(req.frame)
    expect(codeOf(r)).toBe('BAD_SERVER_SALT')
    if (r.ok) return
    expect(r.notify?._).toBe('bad_server_salt')
    const newSalt = r.error.details.newSalt as Uint8Array
    expect(r.notify).toEqual({ _: 'bad_server_salt', bad_msg_id: req.msgId, bad_msg_seqno: req.seqNo, error_code: 48, new_server_salt: newSalt })
    expect(newSalt).toHaveLength(8)
    const back = client.unpack(relay.pack(r.notify!).frame)
    expect(codeOf(back)).toBe('accepted')
    const resent = client.pack(send)
    expect(resent.msgId).toBeGreaterThan(req.msgId)
    expect(resent.frame).not.toEqual(req.frame)
    expect(codeOf(relay.unpack(resent.frame))).toBe('accepted')
  })

  it('a salt nobody issued is refused even at time zero of the session', async () => {
    const { fromClient, relay } = await setup()
    expect(codeOf(relay.unpack(fromClient({ salt: new Uint8Array(8).fill(0x5a) })))).toBe('BAD_SERVER_SALT')
  })
})

describe('length and padding (pre-authentication)', () => {
  it('padding < 12 or > 1024 is FRAME_BAD_PADDING; a length beyond the payload FRAME_BAD_LENGTH', async () => {
    const { fromClient, relay } = await setup({ relay: { maxPreAuthFailures: Infinity } })
    const body = new Uint8Array(20).fill(0x20) // 32 + 20 + 1036 = 1088, aligned, padding too long
    expect(codeOf(relay.unpack(fromClient({ body: new Uint8Array(21), padding: new Uint8Array(11) })))).toBe('FRAME_BAD_PADDING')
    expect(codeOf(relay.unpack(fromClient({ body, padding: new Uint8Array(1036) })))).toBe('FRAME_BAD_PADDING')
    expect(codeOf(relay.unpack(fromClient({ length: sendBytes.length + 1000 })))).toBe('FRAME_BAD_LENGTH')
    expect(codeOf(relay.unpack(fromClient({ length: 0xffffffff })))).toBe('FRAME_BAD_LENGTH')
  })
})

describe('in-session reordering (Albrecht et al. 2022, attack 1)', () => {
  it('an older frame delivered after a newer one is MSG_ID_TOO_LOW (reordered)', async () => {
    const { client, relay } = await setup()
    const a = client.pack({ _: 'ping', ping_id: 1n })
    const b = client.pack({ _: 'ping', ping_id: 2n })
    expect(codeOf(relay.unpack(b.frame))).toBe('accepted')
    const r = relay.unpack(a.frame)
    expect(codeOf(r)).toBe('MSG_ID_TOO_LOW')
    expect(r.ok || r.error.details.reason).toBe('reordered')
  })

  it('a content frame that overtakes an earlier one is SEQ_NO_TOO_HIGH, so nothing is accepted out of order', async () => {
    const { client, relay } = await setup()
    const a = client.pack(send)
    const b = client.pack(send)
    expect(codeOf(relay.unpack(b.frame))).toBe('SEQ_NO_TOO_HIGH')
    expect(codeOf(relay.unpack(a.frame))).toBe('accepted')
  })

  it('whatever an attacker does to the order (drop, duplicate, permute), what is accepted is in send order (property)', async () => {
    const { client, keys, clock } = await setup()
    const sent = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0 ? client.pack({ _: 'ping', ping_id: BigInt(i) }) : client.pack({ ...send, random_id: i.toString(16).padStart(16, '0') }),
    )
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: sent.length - 1 }), { maxLength: 40 }), (order) => {
        const relay = new Session({ role: 'relay', bodies: FROM_CLIENT, provider: p, now: clock.now, authKey: keys.authKey.slice(), salt: keys.salt })
        const accepted: number[] = []
        for (const i of order) if (relay.unpack(sent[i].frame).ok) accepted.push(i)
        for (let k = 1; k < accepted.length; k++) expect(accepted[k]).toBeGreaterThan(accepted[k - 1])
        // Delivered in order, everything is accepted: the checks refuse only what is out of order.
        if (order.length === 0) {
          const inOrder = new Session({ role: 'relay', bodies: FROM_CLIENT, provider: p, now: clock.now, authKey: keys.authKey.slice(), salt: keys.salt })
          expect(sent.every((x) => inOrder.unpack(x.frame).ok)).toBe(true)
        }
      }),
      { numRuns: 60, examples: [[[]]] },
    )
  })
})

describe('no re-encryption under an old msg_id (Albrecht et al. 2022, attack 2)', () => {
  it('resend returns the identical bytes; a new pack gets a new msg_id; the repeat is refused as a duplicate', async () => {
    const { client, relay } = await setup()
    const first = client.pack(send)
    const repeat = client.resend(first.msgId)
    expect(repeat).toBe(first.frame)
    const again = client.pack(send)
    expect(again.msgId).toBeGreaterThan(first.msgId)
    expect(again.frame.subarray(8, 24)).not.toEqual(first.frame.subarray(8, 24))
    expect(codeOf(relay.unpack(first.frame))).toBe('accepted')
    expect(codeOf(relay.unpack(repeat!))).toBe('MSG_ID_TOO_LOW')
    expect(codeOf(relay.unpack(again.frame))).toBe('accepted')
  })

  it('never hands out a msg_id twice, even with a frozen clock and identical bodies', async () => {
    const { client } = await setup()
    const ids = new Set(Array.from({ length: 500 }, () => client.pack(send).msgId))
    expect(ids.size).toBe(500)
  })
})

describe('pre-authentication failures are indistinguishable (Albrecht et al. 2022, attack 3)', () => {
  it('every pre-auth failure gives the peer the same outward result and leaves the session untouched', async () => {
    const { client, relay, fromClient } = await setup({ relay: { maxPreAuthFailures: Infinity } })
    const good = client.pack(send).frame
    const flip = (i: number) => {
      const f = good.slice()
      f[i] ^= 1
      return f
    }
    const attempts: [string, Uint8Array][] = [
      ['FRAME_TOO_SHORT', good.subarray(0, 55)],
      ['FRAME_TOO_LARGE', new Uint8Array((1 << 20) + 16)],
      ['FRAME_BAD_ALIGNMENT', good.subarray(0, good.length - 3)],
      ['FRAME_UNKNOWN_KEY', flip(2)],
      ['FRAME_BAD_MSG_KEY', flip(30)],
      ['FRAME_BAD_MSG_KEY', flip(good.length - 1)],
      ['FRAME_BAD_LENGTH', fromClient({ length: 4096 })],
      ['FRAME_BAD_PADDING', fromClient({ body: new Uint8Array(21), padding: new Uint8Array(11) })],
    ]
    const outward = new Set<string>()
    for (const [code, frame] of attempts) {
      const r = relay.unpack(frame)
      expect(codeOf(r)).toBe(code) // the precise reason stays local (metrics)
      if (r.ok) continue
      outward.add(JSON.stringify({ ok: r.ok, preAuth: r.preAuth, notify: r.notify ?? null, close: r.close ?? null, msgId: r.msgId ?? null }))
    }
    expect([...outward]).toEqual([JSON.stringify({ ok: false, preAuth: true, notify: null, close: null, msgId: null })])
    expect(relay.preAuthFailures).toBe(attempts.length)
    expect(codeOf(relay.unpack(good))).toBe('accepted')
  })

  it('after 10 pre-auth failures the answer is to close (4002), whatever the reasons', async () => {
    const { client, relay } = await setup()
    const good = client.pack(send).frame
    const results = Array.from({ length: 10 }, (_, i) => {
      const f = good.slice()
      f[i % 2 ? 0 : 40] ^= 1
      return relay.unpack(f)
    })
    expect(results.map((r) => r.ok || r.close)).toEqual([...Array(9).fill(undefined), 4002])
  })
})

describe('tampering with an encrypted frame (property)', () => {
  /** The pre-auth code a changed frame of `length` bytes must get; `keyIdChanged` when bytes 0..7 differ. */
  function expected(length: number, keyIdChanged: boolean): string {
    if (length < 56) return 'FRAME_TOO_SHORT'
    if ((length - 24) % 16 !== 0) return 'FRAME_BAD_ALIGNMENT'
    return keyIdChanged ? 'FRAME_UNKNOWN_KEY' : 'FRAME_BAD_MSG_KEY'
  }

  for (const direction of ['client → relay', 'relay → client'] as const) {
    it(`${direction}: any single bit flip, truncation or extension is rejected before authentication`, async () => {
      const { client, relay } = await setup({ client: { maxPreAuthFailures: Infinity }, relay: { maxPreAuthFailures: Infinity } })
      relay.unpack(client.pack(send).frame)
      const [sender, receiver] = direction === 'client → relay' ? [client, relay] : [relay, client]
      const pack = () =>
        direction === 'client → relay'
          ? sender.pack(send as never).frame
          : sender.pack({ _: 'updates', updates: [{ _: 'update.typing', peer: 1 }], pts: 1 } as never).frame
      const frame = pack()
      fc.assert(
        fc.property(
          fc.oneof(
            fc.record({ kind: fc.constant('flip' as const), bit: fc.integer({ min: 0, max: frame.length * 8 - 1 }) }),
            fc.record({ kind: fc.constant('truncate' as const), by: fc.integer({ min: 1, max: frame.length }) }),
            fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
          ),
          (t) => {
            let changed: Uint8Array
            let keyIdChanged = false
            if (t.kind === 'flip') {
              changed = frame.slice()
              changed[t.bit >> 3] ^= 1 << (t.bit & 7)
              keyIdChanged = t.bit < 64
            } else if (t.kind === 'truncate') changed = frame.subarray(0, frame.length - t.by)
            else changed = Uint8Array.from([...frame, ...t.extra])
            const r = receiver.unpack(changed)
            expect(codeOf(r)).toBe(expected(changed.length, keyIdChanged))
            expect(r.ok || [r.preAuth, r.notify]).toEqual([true, undefined])
          },
        ),
        { numRuns: 300 },
      )
      expect(codeOf(receiver.unpack(frame))).toBe('accepted')
    })
  }
})

describe('garbage (fuzz)', () => {
  it('unpack never throws: arbitrary bytes, or bytes behind the right auth_key_id, are pre-auth rejections', async () => {
    const { relay, keys } = await setup({ relay: { maxPreAuthFailures: Infinity } })
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (junk, keyed) => {
        const frame = keyed ? Uint8Array.from([...keys.authKeyId, ...junk]) : junk
        const r = relay.unpack(frame)
        expect(r.ok).toBe(false)
        expect(r.ok || [r.preAuth, r.notify]).toEqual([true, undefined])
      }),
      { numRuns: 500 },
    )
  })

  it('an authenticated frame with any body never throws: accepted, or refused with a schema code', async () => {
    const { fromClient, relay, clock } = await setup()
    let n = 0 // content positions the relay has counted
    let t = 0
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.jsonValue().map((j) => encodeBody({ _: 'messages.send', peer: 1, random_id: '0011223344556677', j }))),
        (body) => {
          const r = relay.unpack(fromClient({ body, padding: new Uint8Array(paddingLength(body.length)), msgId: msgIdAt(clock.t + ++t) & ~3n, seqNo: 2 * n + 1 }))
          if (r.ok || r.error.code.startsWith('SCHEMA_')) n++
          else expect(r.error.code).toBe('SEQ_NO_EXPECTED_EVEN') // random bytes that happen to name a service type
        },
      ),
      { numRuns: 300 },
    )
  })
})
