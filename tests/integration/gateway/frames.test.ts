/**
 * Layer-1 attacks over the real socket (docs/PROTOCOL.md §2.4): a replayed captured frame, a frame
 * over the max size, garbage before and after the handshake, every post-authentication check with
 * a hand-made frame, and 10,000 fuzzed frames — each refused with the code the spec names, counted
 * in `mtchat_frames_rejected_total{code}`, and the relay still healthy afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import type { RelayBody } from '../../../sdk/protocol/schemas/registry.js'
import { utf8 } from '../../../sdk/util/bytes.js'
import { TestClient } from '../../helpers/mt-client.js'
import { Forge } from './forge.js'
import { hex16, metric, startRelay, type TestRelay, type TestUser } from './harness.js'

const MAX_FRAME = 64 * 1024

type BadMsg = Extract<RelayBody, { _: 'bad_msg_notification' }>
const badMsg = (code: number) => (b: RelayBody): b is BadMsg => b._ === 'bad_msg_notification' && b.error_code === code

describe('layer-1 frame checks on the real socket', () => {
  let t: TestRelay
  let a: TestUser, b: TestUser

  beforeAll(async () => {
    t = await startRelay({ maxFrame: MAX_FRAME })
    ;[a, b] = [await t.register(), await t.register()]
  })
  afterAll(async () => {
    await t?.close()
  })

  const rejected = async (code: string) => metric(await t.metrics(), `mtchat_frames_rejected_total{code="${code}"}`)

  it('answers a replayed captured frame with bad_msg 16 and stores the message once', async () => {
    // No automatic acks: the last frame sent is the request, and nothing is sent after the replay.
    const c = await t.signedIn(a, { provider: nodeProvider, autoAck: false })
    const before = await rejected('MSG_ID_TOO_LOW')
    const rid = hex16()
    await c.call('messages.send', { peer: b.id, random_id: rid, text: 'replay me' })
    const captured = c.sent[c.sent.length - 1]
    const capturedId = c.sentIds[c.sentIds.length - 1]
    expect(capturedId).toBeDefined()
    const answer = c.waitFor(badMsg(16))
    c.sendFrame(captured)
    const n = await answer
    expect(n.bad_msg_id).toBe(capturedId)
    expect(await t.relay.store.knex('messages').where({ random_id: rid })).toHaveLength(1)
    expect(await rejected('MSG_ID_TOO_LOW')).toBe(before + 1)
    // The connection goes on.
    expect((await c.call('updates.getState', {})).pts).toBeGreaterThan(0)
    c.close()
  })

  it('closes a WebSocket message over the max frame size with 1009', async () => {
    const c = await t.signedIn(a, { provider: nodeProvider })
    const before = await rejected('FRAME_TOO_LARGE')
    c.sendFrame(new Uint8Array(MAX_FRAME + 16))
    expect((await c.closed).code).toBe(1009)
    expect(await rejected('FRAME_TOO_LARGE')).toBe(before + 1)
  })

  it('closes garbage before the handshake with 4001', async () => {
    const ws = TestClient.raw(t.url)
    const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)))
    ws.on('open', () => ws.send(nodeProvider.randomBytes(76)))
    expect(await closed).toBe(4001)
  })

  it('closes a text message with 4002', async () => {
    const ws = TestClient.raw(t.url)
    const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)))
    ws.on('open', () => ws.send('hello'))
    expect(await closed).toBe(4002)
  })

  it('drops garbage after the handshake silently and closes after 10 with 4002', async () => {
    const c = await t.connect({ provider: nodeProvider })
    const short0 = await rejected('FRAME_TOO_SHORT')
    for (let i = 0; i < 9; i++) c.sendFrame(nodeProvider.randomBytes(i % 2 ? 20 : 24 + 16 * (i + 2)))
    // Nothing comes back, and the connection still works.
    const pong = c.waitFor((x) => x._ === 'pong')
    c.sendBody({ _: 'ping', ping_id: 7n })
    expect((await pong)._).toBe('pong')
    expect(c.received.filter((x) => x._ !== 'pong' && x._ !== 'server_salts')).toEqual([])
    c.sendFrame(nodeProvider.randomBytes(10))
    expect((await c.closed).code).toBe(4002)
    expect(await rejected('FRAME_TOO_SHORT')).toBeGreaterThanOrEqual(short0 + 5)
  })

  it('answers each post-authentication check with its notification', async () => {
    const c = await t.connect({ provider: nodeProvider })
    const f = new Forge(c.keys, c.session.sessionId!)
    const ping = (fields: Partial<Parameters<Forge['frame']>[0]> = {}) => f.frame({ body: { _: 'ping', ping_id: '1' }, seqNo: f.seq('service'), ...fields })
    const expectBadMsg = async (frame: Uint8Array, code: number) => {
      const p = c.waitFor(badMsg(code))
      c.sendFrame(frame)
      return p
    }
    // Binds the forge's session_id.
    const first = c.waitFor((x) => x._ === 'pong')
    c.sendFrame(ping())
    await first

    await expectBadMsg(ping({ msgId: f.nextMsgId() | 1n }), 18)
    await expectBadMsg(ping({ msgId: f.nextMsgId(60_000) }), 17)
    await expectBadMsg(ping({ msgId: f.nextMsgId(-400_000) }), 20)
    await expectBadMsg(ping({ seqNo: f.seq('content') }), 34)
    await expectBadMsg(f.frame({ body: { _: 'updates.getState' }, seqNo: f.seq('service') }), 35)
    await expectBadMsg(f.frame({ body: { _: 'updates.getState' }, seqNo: f.seq('content') + 2 }), 33)
    f.content++ // a correct content frame next: rpc_error NOT_SIGNED_IN (takes its place)
    const notSigned = c.waitFor((x) => x._ === 'rpc_error' && x.error.code === 'NOT_SIGNED_IN')
    c.sendFrame(f.frame({ body: { _: 'updates.getState' }, seqNo: 1 }))
    await notSigned
    await expectBadMsg(f.frame({ body: { _: 'updates.getState' }, seqNo: 1 }), 32)

    const salt = c.waitFor((x) => x._ === 'bad_server_salt')
    c.sendFrame(f.frame({ body: { _: 'updates.getState' }, seqNo: f.seq('content'), salt: new Uint8Array(8).fill(9) }))
    f.content++
    const s = await salt
    expect(s).toMatchObject({ error_code: 48 })
    expect(Buffer.from((s as Extract<RelayBody, { _: 'bad_server_salt' }>).new_server_salt).equals(Buffer.from(c.keys.salt))).toBe(true)

    const invalid = c.waitFor((x) => x._ === 'rpc_error' && x.error.code === 'SCHEMA_INVALID')
    c.sendFrame(f.frame({ body: utf8('{not json'), seqNo: f.seq('content') }))
    f.content++
    await invalid
    const unknown = c.waitFor((x) => x._ === 'rpc_error' && x.error.code === 'SCHEMA_UNKNOWN_TYPE')
    c.sendFrame(f.frame({ body: { _: 'rpc_result', req_msg_id: '1', result: {} }, seqNo: f.seq('content') }))
    f.content++
    await unknown

    // Another session_id on the same connection is a protocol error.
    c.sendFrame(ping({ sessionId: new Uint8Array(8).fill(1) }))
    expect((await c.closed).code).toBe(4002)
    expect(await rejected('FRAME_BAD_SESSION')).toBe(1)
    for (const code of ['MSG_ID_BAD_BITS', 'MSG_ID_TOO_HIGH', 'MSG_ID_TOO_OLD', 'SEQ_NO_EXPECTED_EVEN', 'SEQ_NO_EXPECTED_ODD', 'SEQ_NO_TOO_LOW', 'SEQ_NO_TOO_HIGH', 'BAD_SERVER_SALT', 'SCHEMA_INVALID', 'SCHEMA_UNKNOWN_TYPE'])
      expect(await rejected(code), code).toBeGreaterThanOrEqual(1)
  })

  it('survives 10,000 fuzzed frames, each refused with the expected code', async () => {
    const p = nodeProvider
    const codes = ['FRAME_TOO_SHORT', 'FRAME_TOO_LARGE', 'FRAME_BAD_ALIGNMENT', 'FRAME_UNKNOWN_KEY', 'FRAME_BAD_MSG_KEY', 'SCHEMA_INVALID', 'SCHEMA_UNKNOWN_TYPE'] as const
    const before = Object.fromEntries(await Promise.all(codes.map(async (c) => [c, await rejected(c)] as const)))
    const expected: Record<string, number> = Object.fromEntries(codes.map((c) => [c, 0]))
    const started = Date.now()
    const rnd = (n: number) => Math.floor(Math.random() * n)

    /** Classifies a frame the way §2.4's pre-authentication checks do (it is never authentic). */
    const classify = (frame: Uint8Array, keyId: Uint8Array): (typeof codes)[number] => {
      if (frame.length < 56) return 'FRAME_TOO_SHORT'
      if (frame.length > MAX_FRAME) return 'FRAME_TOO_LARGE'
      if ((frame.length - 24) % 16 !== 0) return 'FRAME_BAD_ALIGNMENT'
      for (let i = 0; i < 8; i++) if (frame[i] !== keyId[i]) return 'FRAME_UNKNOWN_KEY'
      return 'FRAME_BAD_MSG_KEY'
    }

    // 9,000 pre-authentication fuzz frames: 10 per connection, each connection then closed 4002.
    const fuzzConnection = async () => {
      const c = await t.connect({ provider: p })
      const valid = () => c.session.pack({ _: 'ping', ping_id: BigInt(rnd(1e9)) }).frame
      for (let i = 0; i < 10; i++) {
        let frame: Uint8Array
        switch (i % 5) {
          case 0:
            frame = p.randomBytes(rnd(2) ? rnd(200) : 24 + 16 * rnd(40))
            break
          case 1: {
            frame = valid().slice()
            const bit = rnd(frame.length * 8)
            frame[bit >> 3] ^= 1 << (bit & 7)
            break
          }
          case 2: {
            const v = valid()
            frame = v.slice(0, rnd(v.length))
            break
          }
          case 3: {
            const v = valid()
            frame = new Uint8Array(v.length + 1 + rnd(64))
            frame.set(v)
            frame.set(p.randomBytes(frame.length - v.length), v.length)
            break
          }
          default: {
            // Valid header, ciphertext from another key.
            frame = p.randomBytes(24 + 16 * (2 + rnd(8)))
            frame.set(c.keys.authKeyId, 0)
          }
        }
        expected[classify(frame, c.keys.authKeyId)]++
        c.sendFrame(frame)
      }
      expect((await c.closed).code).toBe(4002)
    }
    for (let round = 0; round < 225; round++) await Promise.all([fuzzConnection(), fuzzConnection(), fuzzConnection(), fuzzConnection()])

    // 1,000 authentic frames with fuzzed bodies: each answered rpc_error, the connection goes on.
    const c = await t.connect({ provider: p })
    const f = new Forge(c.keys, c.session.sessionId!)
    const done = (async () => {
      for (let i = 0; i < 1500 && c.received.filter((x) => x._ === 'rpc_error').length < 1000; i++) await new Promise((r) => setTimeout(r, 20))
    })()
    for (let i = 0; i < 1000; i++) {
      let body: Uint8Array
      if (i % 2) {
        body = p.randomBytes(1 + rnd(300))
        expected.SCHEMA_INVALID++
      } else {
        body = utf8(JSON.stringify({ _: `x.${hex16()}`, v: rnd(10) }))
        expected.SCHEMA_UNKNOWN_TYPE++
      }
      // Random bytes may parse as a JSON number or string, still not an object with "_": SCHEMA_INVALID.
      c.sendFrame(f.frame({ body, seqNo: f.seq('content') }))
      f.content++
    }
    await done
    const errs = c.received.filter((x): x is Extract<RelayBody, { _: 'rpc_error' }> => x._ === 'rpc_error')
    expect(errs.filter((e) => e.error.code === 'SCHEMA_INVALID')).toHaveLength(expected.SCHEMA_INVALID)
    expect(errs.filter((e) => e.error.code === 'SCHEMA_UNKNOWN_TYPE')).toHaveLength(expected.SCHEMA_UNKNOWN_TYPE)
    c.close()

    expect(Date.now() - started).toBeLessThan(60_000)
    for (const code of codes) expect(await rejected(code), code).toBe(before[code] + expected[code])
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200)
    // A well-behaved client is still served.
    const ok = await t.signedIn(b, { provider: p })
    expect((await ok.call('updates.getState', {})).pts).toBeGreaterThanOrEqual(0)
    ok.close()
  }, 120_000)
})
