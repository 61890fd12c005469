/**
 * Every RPC method of docs/PROTOCOL.md §3 over the real socket: the answer (validated against the
 * protocol's result schema by the test client), bad params (SCHEMA_INVALID), calls before sign-in
 * (NOT_SIGNED_IN), and other users' data (FORBIDDEN / NOT_FOUND / PEER_NOT_FOUND). Run on SQLite
 * and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MtChatError } from '../../../../sdk/errors.js'
import type { Update } from '../../../../sdk/protocol/schemas/updates.js'
import type { TestClient } from '../../../helpers/mt-client.js'
import { hex16, startRelay, type StartOptions, type TestRelay, type TestUser } from '../harness.js'

/** Rejects with an MtChatError of `code`. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<MtChatError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `expected ${code}`).toBeInstanceOf(MtChatError)
  expect((err as MtChatError).code).toBe(code)
  return err as MtChatError
}

const isMessage = (u: Update): u is Extract<Update, { _: 'update.message' }> => u._ === 'update.message'

/** The RPC suite on a relay started with `options`. */
export function rpcSuite(options: () => Promise<StartOptions>): void {
  let t: TestRelay
  let a: TestUser, b: TestUser, c: TestUser
  let ca: TestClient, cb: TestClient, cc: TestClient

  beforeAll(async () => {
    t = await startRelay(await options())
    ;[a, b, c] = [await t.register(), await t.register(), await t.register()]
    ca = await t.signedIn(a, { deviceId: 'a-laptop' })
    cb = await t.signedIn(b, { deviceId: 'b-phone' })
    cc = await t.signedIn(c)
  })
  afterAll(async () => {
    for (const x of [ca, cb, cc]) x?.close()
    await t?.close()
  })

  describe('auth.signIn', () => {
    it('binds the user and device and reports pts and prekeys', async () => {
      const x = await t.connect()
      const r = await x.call('auth.signIn', { token: a.token, device_id: 'a-tablet' })
      expect(r.user).toMatchObject({ id: a.id, username: a.username })
      expect(r.device_id).toBe('a-tablet')
      expect(r.prekeys).toEqual({ count: 0, low: true })
      expect(Math.abs(r.date - Date.now())).toBeLessThan(5000)
      await expectCode(x.call('auth.signIn', { token: a.token }), 'INVALID_STATE')
      x.close()
    })

    it('refuses every other method before signing in', async () => {
      const x = await t.connect()
      await expectCode(x.call('updates.getState', {}), 'NOT_SIGNED_IN')
      await expectCode(x.call('messages.send', { peer: b.id, random_id: hex16(), text: 'x' }), 'NOT_SIGNED_IN')
      x.close()
    })

    it('refuses a bad token with UNAUTHORIZED and closes 4003 after three', async () => {
      const x = await t.connect()
      await expectCode(x.call('auth.signIn', { token: 'mts_' + 'A'.repeat(43) }), 'UNAUTHORIZED')
      await expectCode(x.call('auth.signIn', { token: 'not-a-token' }), 'UNAUTHORIZED')
      await expectCode(x.call('auth.signIn', { token: 'a.b.c' }), 'UNAUTHORIZED')
      expect((await x.closed).code).toBe(4003)
    })

    it('validates params (SCHEMA_INVALID naming the field)', async () => {
      const x = await t.connect()
      const err = await expectCode(x.call('auth.signIn', { token: a.token, device_id: 'bad device!' }), 'SCHEMA_INVALID')
      expect(err.message).toMatch(/device_id/)
      x.close()
    })
  })

  describe('messages.send', () => {
    it('answers after storing, pushes to the peer and to the sender’s other sessions only', async () => {
      const other = await t.signedIn(a, { deviceId: 'a-second' })
      const rid = hex16()
      const r = await ca.call('messages.send', { peer: b.id, random_id: rid, text: 'hi b' })
      expect(r.message).toMatchObject({ random_id: rid, from: a.id, to: b.id, text: 'hi b', status: 'sent' })
      const atB = await cb.waitForUpdate((u) => isMessage(u) && u.message.random_id === rid)
      expect(atB).toMatchObject({ message: { id: r.message.id } })
      await other.waitForUpdate((u) => isMessage(u) && u.message.random_id === rid)
      // The sending session gets the rpc_result, not a push of its own message.
      await new Promise((res) => setTimeout(res, 100))
      expect(ca.updates.some((u) => isMessage(u) && u.message.random_id === rid)).toBe(false)
      expect(cc.updates.some((u) => isMessage(u) && u.message.random_id === rid)).toBe(false)
      other.close()
    })

    it('stores a resend with the same random_id once and answers with the stored message', async () => {
      const rid = hex16()
      const [r1, r2] = await Promise.all([
        ca.call('messages.send', { peer: b.id, random_id: rid, text: 'once' }),
        ca.call('messages.send', { peer: b.id, random_id: rid, text: 'once' }),
      ])
      const r3 = await ca.call('messages.send', { peer: b.id, random_id: rid, text: 'once' })
      expect(r2.message.id).toBe(r1.message.id)
      expect(r3.message.id).toBe(r1.message.id)
      const rows = await t.relay.store.knex('messages').where({ sender_id: a.id, random_id: rid })
      expect(rows).toHaveLength(1)
    })

    it('carries a file reference', async () => {
      const file = { file_id: 'ab'.repeat(16), key: Buffer.alloc(32, 1).toString('base64'), nonce_prefix: Buffer.alloc(8, 2).toString('base64'), size: 10, sha256: Buffer.alloc(32, 3).toString('base64'), mime: 'text/plain', name: 'a.txt' }
      const r = await ca.call('messages.send', { peer: b.id, random_id: hex16(), file } as never)
      expect(r.message.file).toMatchObject({ file_id: file.file_id, name: 'a.txt', size: 10 })
      expect(Buffer.from(r.message.file!.key).equals(Buffer.alloc(32, 1))).toBe(true)
      const atB = await cb.waitForUpdate((u) => isMessage(u) && u.message.id === r.message.id)
      expect(atB).toMatchObject({ message: { file: { name: 'a.txt', mime: 'text/plain' } } })
    })

    it('rejects bad params, unknown peers and messages to oneself', async () => {
      await expectCode(ca.call('messages.send', { peer: b.id, random_id: 'XYZ', text: 'x' }), 'SCHEMA_INVALID')
      await expectCode(ca.call('messages.send', { peer: b.id, random_id: hex16(), text: 'x'.repeat(4097) }), 'SCHEMA_INVALID')
      await expectCode(ca.call('messages.send', { peer: b.id, random_id: hex16() } as never), 'SCHEMA_INVALID')
      await expectCode(ca.call('messages.send', { peer: b.id, random_id: hex16(), text: 'x', extra: 1 } as never), 'SCHEMA_INVALID')
      await expectCode(ca.call('messages.send', { peer: 987654321, random_id: hex16(), text: 'x' }), 'PEER_NOT_FOUND')
      await expectCode(ca.call('messages.send', { peer: a.id, random_id: hex16(), text: 'x' }), 'BAD_REQUEST')
    })

    it('answers an unknown method with SCHEMA_UNKNOWN_TYPE', async () => {
      await expectCode(ca.call('messages.fly' as never, {} as never), 'SCHEMA_UNKNOWN_TYPE')
    })
  })

  describe('receipts', () => {
    it('turns ✔ into ✔✔ when the recipient device acks and ✅ when it reads', async () => {
      const rid = hex16()
      const r = await ca.call('messages.send', { peer: b.id, random_id: rid, text: 'receipt me' })
      expect(r.message.status).toBe('sent')
      const delivered = await ca.waitForUpdate((u) => u._ === 'update.status' && u.status === 'delivered' && u.peer === b.id && (u.max_id ?? 0) >= r.message.id)
      expect(delivered).toMatchObject({ peer: b.id, status: 'delivered' })
      const read = await cb.call('messages.read', { peer: a.id, max_id: r.message.id })
      expect(read.pts).toBeGreaterThan(0)
      const seen = await ca.waitForUpdate((u) => u._ === 'update.status' && u.status === 'read' && (u.max_id ?? 0) >= r.message.id)
      expect(seen).toMatchObject({ peer: b.id, status: 'read', max_id: r.message.id })
      const h = await ca.call('messages.history', { peer: b.id, limit: 5 })
      expect(h.messages.find((m) => m.id === r.message.id)?.status).toBe('read')
    })

    it('reads only the peer’s messages in the pair', async () => {
      await expectCode(cb.call('messages.read', { peer: a.id, max_id: 1.5 } as never), 'SCHEMA_INVALID')
      await expectCode(cb.call('messages.read', { peer: 987654321, max_id: 1 }), 'PEER_NOT_FOUND')
    })
  })

  describe('messages.typing', () => {
    it('pushes an ephemeral update.typing to the peer only', async () => {
      await ca.call('messages.typing', { peer: b.id })
      const u = await cb.waitForUpdate((x) => x._ === 'update.typing' && x.peer === a.id)
      expect(u).toEqual({ _: 'update.typing', peer: a.id })
      expect(cc.updates.some((x) => x._ === 'update.typing')).toBe(false)
      await expectCode(ca.call('messages.typing', { peer: 987654321 }), 'PEER_NOT_FOUND')
    })
  })

  describe('messages.sendSecret', () => {
    it('stores an envelope for the addressed device only and deletes it when that device acks', async () => {
      await t.publishKeys(b, 'b-phone')
      const other = await t.signedIn(b, { deviceId: 'b-desktop' })
      const rid = hex16()
      const data = new Uint8Array(64).fill(7)
      const r = await ca.call('messages.sendSecret', { peer: b.id, device_id: 'b-phone', chat_id: hex16(), random_id: rid, data })
      expect(r.date).toBeGreaterThan(0)
      const u = await cb.waitForUpdate((x) => x._ === 'update.secret' && x.envelope.random_id === rid)
      expect(u).toMatchObject({ envelope: { from: a.id, from_device: 'a-laptop', random_id: rid } })
      // ✔✔ for the sender once b-phone acked; then the envelope is gone.
      await ca.waitForUpdate((x) => x._ === 'update.status' && x.random_id === rid)
      expect(await t.relay.store.knex('envelopes').where({ random_id: rid })).toHaveLength(0)
      expect(other.updates.some((x) => x._ === 'update.secret' && x.envelope.random_id === rid)).toBe(false)
      other.close()
    })

    it('pushes an ephemeral envelope without storing it', async () => {
      const rid = hex16()
      await ca.call('messages.sendSecret', { peer: b.id, device_id: 'b-phone', chat_id: hex16(), random_id: rid, data: new Uint8Array(48), ephemeral: true })
      await cb.waitForUpdate((x) => x._ === 'update.secretEphemeral' && x.envelope.random_id === rid)
      expect(await t.relay.store.knex('envelopes').where({ random_id: rid })).toHaveLength(0)
    })

    it('refuses an unknown device, bad params and unknown peers', async () => {
      await expectCode(ca.call('messages.sendSecret', { peer: b.id, device_id: 'nope', chat_id: hex16(), random_id: hex16(), data: new Uint8Array(48) }), 'NOT_FOUND')
      await expectCode(ca.call('messages.sendSecret', { peer: b.id, device_id: 'b-phone', chat_id: 'x', random_id: hex16(), data: new Uint8Array(48) }), 'SCHEMA_INVALID')
      await expectCode(ca.call('messages.sendSecret', { peer: b.id, device_id: 'b-phone', chat_id: hex16(), random_id: hex16(), data: new Uint8Array(8) }), 'SCHEMA_INVALID')
      await expectCode(ca.call('messages.sendSecret', { peer: 987654321, device_id: 'd', chat_id: hex16(), random_id: hex16(), data: new Uint8Array(48) }), 'PEER_NOT_FOUND')
    })
  })

  describe('update.prekeysLow', () => {
    it('tells the device whose one-time prekeys run low after a bundle fetch, and only that device', async () => {
      const d = await t.register()
      await t.publishKeys(d, 'd1', 11)
      const cd1 = await t.signedIn(d, { deviceId: 'd1' })
      const cd2 = await t.signedIn(d, { deviceId: 'd2' })
      expect((await t.get(a, `/v1/keys/${d.id}?device=d1`)).status).toBe(200)
      expect((await t.get(a, `/v1/keys/${d.id}?device=d1`)).status).toBe(200)
      const low = await cd1.waitForUpdate((u) => u._ === 'update.prekeysLow')
      expect(low).toEqual({ _: 'update.prekeysLow', device_id: 'd1', count: 9 })
      expect(cd2.updates.some((u) => u._ === 'update.prekeysLow')).toBe(false)
      cd1.close()
      cd2.close()
    })
  })

  describe('history and search', () => {
    it('pages the pair’s history newest first and never shows another pair’s', async () => {
      const texts = ['one', 'two', 'three', 'four', 'five']
      for (const text of texts) await ca.call('messages.send', { peer: c.id, random_id: hex16(), text: `hist ${text}` })
      const p1 = await cc.call('messages.history', { peer: a.id, limit: 3 })
      expect(p1.messages.map((m) => m.text)).toEqual(['hist five', 'hist four', 'hist three'])
      expect(p1.next_before).toBe(p1.messages[2].id)
      const p2 = await cc.call('messages.history', { peer: a.id, limit: 3, before: p1.next_before })
      expect(p2.messages.map((m) => m.text)).toEqual(['hist two', 'hist one'])
      // c asking about b sees nothing of a–b.
      const foreign = await cc.call('messages.history', { peer: b.id })
      expect(foreign.messages).toEqual([])
      await expectCode(cc.call('messages.history', { peer: a.id, limit: 101 }), 'SCHEMA_INVALID')
    })

    it('searches only the pair', async () => {
      const s = await cc.call('messages.search', { peer: a.id, q: 'HIST T' })
      expect(s.messages.map((m) => m.text).sort()).toEqual(['hist three', 'hist two'])
      const none = await cc.call('messages.search', { peer: b.id, q: 'hi b' })
      expect(none.messages).toEqual([])
      await expectCode(cc.call('messages.search', { peer: a.id, q: '' }), 'SCHEMA_INVALID')
    })
  })

  describe('delete', () => {
    it('deletes one’s own message for everyone, refuses the peer’s (FORBIDDEN) and other pairs’ (NOT_FOUND)', async () => {
      const mine = await ca.call('messages.send', { peer: b.id, random_id: hex16(), text: 'delete me' })
      const theirs = await cb.call('messages.send', { peer: a.id, random_id: hex16(), text: 'not yours' })
      await expectCode(ca.call('messages.delete', { peer: b.id, ids: [theirs.message.id], everyone: true }), 'FORBIDDEN')
      await expectCode(cc.call('messages.delete', { peer: a.id, ids: [mine.message.id], everyone: true }), 'NOT_FOUND')
      await expectCode(cc.call('messages.delete', { peer: b.id, ids: [mine.message.id] }), 'NOT_FOUND')
      const r = await ca.call('messages.delete', { peer: b.id, ids: [mine.message.id], everyone: true })
      expect(r.pts).toBeGreaterThan(0)
      const u = await cb.waitForUpdate((x) => x._ === 'update.deleted' && x.ids.includes(mine.message.id))
      expect(u).toMatchObject({ peer: a.id, everyone: true })
      // "for me" hides the peer's message from me only.
      await ca.call('messages.delete', { peer: b.id, ids: [theirs.message.id] })
      const mineView = await ca.call('messages.history', { peer: b.id, limit: 100 })
      const theirView = await cb.call('messages.history', { peer: a.id, limit: 100 })
      expect(mineView.messages.some((m) => m.id === theirs.message.id)).toBe(false)
      expect(theirView.messages.some((m) => m.id === theirs.message.id)).toBe(true)
      await expectCode(ca.call('messages.delete', { peer: b.id, ids: [] }), 'SCHEMA_INVALID')
    })

    it('deletes a chat; a chat that does not exist is NOT_FOUND', async () => {
      const d = await t.register()
      const cd = await t.signedIn(d)
      await expectCode(cd.call('messages.deleteChat', { peer: a.id }), 'NOT_FOUND')
      await cd.call('messages.send', { peer: a.id, random_id: hex16(), text: 'bye' })
      const r = await cd.call('messages.deleteChat', { peer: a.id, everyone: true })
      expect(r.pts).toBeGreaterThan(0)
      await ca.waitForUpdate((x) => x._ === 'update.chatDeleted' && x.peer === d.id)
      expect((await ca.call('messages.history', { peer: d.id })).messages).toEqual([])
      cd.close()
    })
  })

  describe('presence', () => {
    it('returns statuses and pushes changes to subscribers', async () => {
      const d = await t.register()
      const r = await cc.call('presence.subscribe', { users: [a.id, d.id] })
      expect(r.statuses).toEqual([{ user_id: a.id, online: true }, { user_id: d.id, online: false }])
      const cd = await t.signedIn(d)
      await cc.waitForUpdate((u) => u._ === 'update.presence' && u.user_id === d.id && u.online)
      cd.close()
      const off = await cc.waitForUpdate((u) => u._ === 'update.presence' && u.user_id === d.id && !u.online)
      expect(off).toMatchObject({ online: false, last_seen: expect.any(Number) })
      const status = await t.get(c, `/v1/users/${d.id}/status`)
      expect(status.body).toMatchObject({ user_id: d.id, online: false, last_seen: expect.any(Number) })
      await expectCode(cc.call('presence.subscribe', { users: [987654321] }), 'PEER_NOT_FOUND')
      await expectCode(cc.call('presence.subscribe', { users: [] }), 'SCHEMA_INVALID')
    })
  })

  describe('updates', () => {
    it('getState and getDifference agree; getDifference pages with more', async () => {
      const e = await t.register()
      const ce = await t.signedIn(e)
      for (let i = 0; i < 5; i++) await ca.call('messages.send', { peer: e.id, random_id: hex16(), text: `diff ${i}` })
      const state = await ce.call('updates.getState', {})
      expect(state.pts).toBe(5)
      const d1 = await ce.call('updates.getDifference', { pts: 0, limit: 2 })
      expect(d1.updates.map((u) => ('pts' in u ? u.pts : -1))).toEqual([1, 2])
      expect(d1.more).toBe(true)
      const d2 = await ce.call('updates.getDifference', { pts: d1.pts, limit: 10 })
      expect(d2.updates.map((u) => ('pts' in u ? u.pts : -1))).toEqual([3, 4, 5])
      expect(d2).toMatchObject({ pts: 5, more: false })
      await expectCode(ce.call('updates.getDifference', { pts: -1 }), 'SCHEMA_INVALID')
      await expectCode(ce.call('updates.getDifference', { pts: 0, limit: 501 }), 'SCHEMA_INVALID')
      ce.close()
    })
  })

  describe('authorization', () => {
    it('a user never receives another user’s updates', async () => {
      // c has been connected through every test above; it only ever saw its own.
      for (const u of cc.updates) {
        if (u._ === 'update.message') expect([u.message.from, u.message.to]).toContain(c.id)
        if (u._ === 'update.secret') expect.fail('c has no device that was addressed')
        if (u._ === 'update.status' || u._ === 'update.deleted' || u._ === 'update.chatDeleted' || u._ === 'update.typing') expect(u.peer).toBe(a.id)
      }
      expect(cc.updates.length).toBeGreaterThan(0)
    })
  })
}
