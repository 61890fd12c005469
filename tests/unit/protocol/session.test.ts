import { describe, expect, it } from 'vitest'
import { nobleProvider as p } from '../../../sdk/crypto/noble.js'
import { Session, type SessionOptions } from '../../../sdk/protocol/session.js'
import { FROM_CLIENT, FROM_RELAY } from '../../../sdk/protocol/schemas/registry.js'
import { fromBase64 } from '../../../sdk/util/bytes.js'
import { SALT_PERIOD_MS } from '../../../sdk/protocol/salts.js'
import type { ClientBody, RelayBody } from '../../../sdk/protocol/schemas/registry.js'
import { sessionPair, testClock } from './helpers.js'

const send = { _: 'messages.send', peer: 42, random_id: '00112233aabbccdd', text: 'hello' } as const

function ok<B>(r: { ok: true; body: B } | { ok: false; error: Error }): B {
  if (!r.ok) throw r.error
  return r.body
}

describe('session: request and answer', () => {
  it('carries a typed request to the relay and the answer back', async () => {
    const { client, relay } = await sessionPair()
    const req = client.pack(send)
    expect(req.msgId & 3n).toBe(0n)
    expect(req.seqNo).toBe(1)
    const got = relay.unpack(req.frame)
    expect(got).toMatchObject({ ok: true, msgId: req.msgId, seqNo: 1, kind: 'content', body: send })

    const ans = relay.pack({ _: 'rpc_result', req_msg_id: req.msgId, result: { pts: 7 } })
    expect(ans.msgId & 3n).toBe(1n)
    const back = ok(client.unpack(ans.frame))
    expect(back).toEqual({ _: 'rpc_result', req_msg_id: req.msgId, result: { pts: 7 } })
  })

  it('numbers content odd and service even on both sides, pushes ≡ 3 mod 4', async () => {
    const { client, relay } = await sessionPair()
    const seqs = [client.pack(send), client.pack({ _: 'ping', ping_id: 5n }), client.pack(send)].map((x) => {
      expect(relay.unpack(x.frame).ok).toBe(true)
      return x.seqNo
    })
    expect(seqs).toEqual([1, 2, 3])
    const push = relay.pack({ _: 'updates', updates: [{ _: 'update.typing', peer: 3 }], pts: 1 })
    expect(push.msgId & 3n).toBe(3n)
    expect(push.seqNo).toBe(1)
    const pong = relay.pack({ _: 'pong', msg_id: 1n, ping_id: 5n })
    expect([pong.msgId & 3n, pong.seqNo]).toEqual([1n, 2])
    expect(ok(client.unpack(push.frame))._).toBe('updates')
    expect(ok(client.unpack(pong.frame))._).toBe('pong')
  })

  it('relay: binds the session_id of the first client frame and sends nothing before it', async () => {
    const { client, relay } = await sessionPair()
    expect(relay.sessionId).toBeUndefined()
    expect(() => relay.pack({ _: 'pong', msg_id: 1n, ping_id: 1n })).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
    relay.unpack(client.pack(send).frame)
    expect(relay.sessionId).toEqual(client.sessionId)
  })

  it('client: collects the relay content msg_ids into one msgs_ack, not service ones', async () => {
    const { client, relay } = await sessionPair()
    relay.unpack(client.pack(send).frame)
    const a = relay.pack({ _: 'updates', updates: [{ _: 'update.typing', peer: 3 }], pts: 1 })
    const b = relay.pack({ _: 'rpc_result', req_msg_id: 4n, result: {} })
    const c = relay.pack({ _: 'pong', msg_id: 1n, ping_id: 1n })
    for (const x of [a, b, c]) ok(client.unpack(x.frame))
    expect(client.takeAck()).toEqual({ _: 'msgs_ack', msg_ids: [a.msgId, b.msgId] })
    expect(client.takeAck()).toBeUndefined()
    const ack = client.pack(client.takeAck() ?? { _: 'msgs_ack', msg_ids: [a.msgId] })
    expect(ack.seqNo % 2).toBe(0)
    expect(ok(relay.unpack(ack.frame))).toEqual({ _: 'msgs_ack', msg_ids: [a.msgId] })
  })

  it('uses the handshake clock offset: a client whose clock is 400 s slow is accepted only with it', async () => {
    const clock = testClock()
    const { keys } = await sessionPair({ clock })
    const slow = () => clock.t - 400_000
    const keyed = () => ({ provider: p, authKey: keys.authKey.slice(), salt: keys.salt })
    const client = (now: () => number, timeOffset?: number) => new Session({ role: 'client', bodies: FROM_RELAY, now, timeOffset, ...keyed() })
    const relay = () => new Session({ role: 'relay', bodies: FROM_CLIENT, now: clock.now, ...keyed() })
    expect(relay().unpack(client(slow, 400_000).pack(send).frame).ok).toBe(true)
    const r = relay().unpack(client(slow).pack(send).frame)
    expect(r.ok || r.error.code).toBe('MSG_ID_TOO_OLD')
  })
})

describe('session: salts', () => {
  it('relay announces current and next salt once bound, the client adopts them and keeps working across rotation', async () => {
    const { client, relay, clock } = await sessionPair()
    expect(relay.takeSaltAnnouncement()).toBeUndefined() // not bound yet
    ok(relay.unpack(client.pack(send).frame))
    const ann = relay.takeSaltAnnouncement()
    expect(ann?.salts).toHaveLength(2)
    expect(relay.takeSaltAnnouncement()).toBeUndefined()
    ok(client.unpack(relay.pack(ann!).frame))
    for (let i = 1; i <= 5; i++) {
      clock.advance(SALT_PERIOD_MS / 2)
      const a = relay.takeSaltAnnouncement()
      if (a) ok(client.unpack(relay.pack(a).frame))
      expect(relay.unpack(client.pack(send).frame).ok).toBe(true)
    }
  })
})

describe('session: resend and close', () => {
  it('resend returns the exact bytes of a packed frame until its answer arrives', async () => {
    const { client, relay } = await sessionPair()
    const req = client.pack(send)
    expect(client.resend(req.msgId)).toBe(req.frame)
    ok(relay.unpack(req.frame))
    ok(client.unpack(relay.pack({ _: 'rpc_result', req_msg_id: req.msgId, result: {} }).frame))
    expect(client.resend(req.msgId)).toBeUndefined()
  })

  it('keeps at most retainSent frames; the relay keeps none by default', async () => {
    const { client, relay } = await sessionPair({ client: { retainSent: 2 } })
    const [a, b, c] = [client.pack(send), client.pack(send), client.pack(send)]
    expect([client.resend(a.msgId), client.resend(b.msgId), client.resend(c.msgId)]).toEqual([undefined, b.frame, c.frame])
    relay.unpack(a.frame)
    const x = relay.pack({ _: 'pong', msg_id: 1n, ping_id: 1n })
    expect(relay.resend(x.msgId)).toBeUndefined()
  })

  it("refuses a registry that is not its peer's: a client must decode what the relay sends, and back", () => {
    const keys = { provider: p, now: Date.now, authKey: p.randomBytes(256), salt: new Uint8Array(8) }
    const wrongForClient = { role: 'client', bodies: FROM_CLIENT, ...keys } as unknown as SessionOptions<'client'>
    const wrongForRelay = { role: 'relay', bodies: FROM_RELAY, ...keys } as unknown as SessionOptions<'relay'>
    expect(() => new Session(wrongForClient)).toThrow(/FROM_RELAY/)
    expect(() => new Session(wrongForRelay)).toThrow(/FROM_CLIENT/)
  })

  it('close wipes the auth_key it was given and refuses further work', async () => {
    const authKey = p.randomBytes(256)
    const s = new Session({ role: 'client', bodies: FROM_RELAY, provider: p, now: Date.now, authKey, salt: new Uint8Array(8) })
    const frame = s.pack(send).frame
    s.close()
    expect(s.closed).toBe(true)
    expect(authKey.every((b) => b === 0)).toBe(true)
    expect(() => s.pack(send)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
    const r = s.unpack(frame)
    expect(r.ok || r.error.code).toBe('INVALID_STATE')
    s.close()
  })

  it('refuses to pack a body beyond the maximum frame size with PAYLOAD_TOO_LARGE, without using a msg_id', async () => {
    const { client, relay } = await sessionPair({ client: { maxFrameSize: 512 } })
    expect(() => client.pack({ ...send, text: 'x'.repeat(600) })).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }))
    const next = client.pack(send)
    expect(next.seqNo).toBe(1)
    expect(relay.unpack(next.frame).ok).toBe(true)
  })

  it('pads with 12..27 bytes plus up to paddingBlocks random blocks', async () => {
    const sizes = new Set<number>()
    const { client } = await sessionPair({ client: { paddingBlocks: 3 } })
    for (let i = 0; i < 200; i++) sizes.add(client.pack({ _: 'ping', ping_id: 1n }).frame.length)
    const min = Math.min(...sizes)
    expect([...sizes].sort((a, b) => a - b)).toEqual([min, min + 16, min + 32, min + 48])
    const fixed = await (await sessionPair({ client: { paddingBlocks: 0 } })).client
    expect(new Set(Array.from({ length: 20 }, () => fixed.pack({ _: 'ping', ping_id: 1n }).frame.length)).size).toBe(1)
    await expect(sessionPair({ client: { paddingBlocks: 63 } })).rejects.toThrow(RangeError)
  })
})

describe('session: bodies', () => {
  it('relay answers a body that fails its schema with rpc_error naming the field, and stays in step', async () => {
    const { client, relay } = await sessionPair()
    const bad = client.pack({ ...send, peer: -1 } as ClientBody)
    const r = relay.unpack(bad.frame)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('SCHEMA_INVALID')
    expect(r.error.message).toContain('peer')
    expect(r.preAuth).toBe(false)
    expect(r.notify).toMatchObject({ _: 'rpc_error', req_msg_id: bad.msgId, error: { code: 'SCHEMA_INVALID' } })
    expect(r.notify?._ === 'rpc_error' && r.notify.error.message).toContain('peer')
    expect(relay.unpack(client.pack(send).frame).ok).toBe(true)
  })

  it('relay refuses a type the client may not send (SCHEMA_UNKNOWN_TYPE), and an unknown one', async () => {
    const { client, relay } = await sessionPair()
    for (const body of [{ _: 'rpc_result', req_msg_id: 1n, result: {} }, { _: 'messages.explode' }]) {
      const r = relay.unpack(client.pack(body as unknown as ClientBody).frame)
      expect(r.ok || r.error.code).toBe('SCHEMA_UNKNOWN_TYPE')
    }
    expect(relay.unpack(client.pack(send).frame).ok).toBe(true)
  })

  it('client drops an invalid relay body without notifying', async () => {
    const { client, relay } = await sessionPair()
    relay.unpack(client.pack(send).frame)
    const r = client.unpack(relay.pack({ _: 'rpc_result', req_msg_id: 1n, result: 5 } as unknown as RelayBody).frame)
    expect(r.ok || r.error.code).toBe('SCHEMA_INVALID')
    expect(r.ok || r.notify).toBeUndefined()
  })

  it('decodes byte and u64 fields to Uint8Array and bigint', async () => {
    const { client, relay } = await sessionPair()
    relay.unpack(client.pack(send).frame)
    const salt = new Uint8Array(8).fill(7)
    const body = ok(client.unpack(relay.pack({ _: 'server_salts', salts: [{ salt, valid_since: 1, valid_until: 2 }] }).frame))
    expect(body).toEqual({ _: 'server_salts', salts: [{ salt, valid_since: 1, valid_until: 2 }] })
    expect(fromBase64('BwcHBwcHBwc=')).toEqual(salt)
  })
})
