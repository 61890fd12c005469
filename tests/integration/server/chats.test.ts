/**
 * Cloud chats over HTTP (docs/PROTOCOL.md §3, §6 `/v1/chats`): send (stored once per random_id),
 * history with cursor paging, search, receipts, deletes for me / for everyone with their updates
 * in both users' logs, the chat list, and the authorization matrix (another pair's history,
 * someone else's message, someone else's updates).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbVariants, randomId, startRelay, type TestRelay, type TestUser } from '../../helpers/relay.js'

const variants = await dbVariants()

describe.each(variants)('cloud chats on %s', (db) => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ db })
  })
  afterAll(() => t.close())

  async function pair(): Promise<[TestUser, TestUser]> {
    return [await t.register(), await t.register()]
  }
  async function send(from: TestUser, to: TestUser, text: string, rid = randomId()) {
    const res = await t.api.post(`/v1/chats/${to.id}/messages`, { random_id: rid, text }, { token: from.token })
    expect(res.status).toBe(201)
    return res.body as { message: { id: number; random_id: string; status: string }; pts: number }
  }
  const updates = async (u: TestUser, pts = 0) => (await t.api.get(`/v1/updates?pts=${pts}`, { token: u.token })).body

  it('stores a message once per random_id and answers a resend with the stored result', async () => {
    const [a, b] = await pair()
    const rid = randomId()
    const first = await t.api.post(`/v1/chats/${b.id}/messages`, { random_id: rid, text: 'hello' }, { token: a.token })
    expect(first.status).toBe(201)
    expect(first.body.message).toMatchObject({ random_id: rid, from: a.id, to: b.id, text: 'hello', status: 'sent', date: t.clock.now() })
    const resend = await t.api.post(`/v1/chats/${b.id}/messages`, { random_id: rid, text: 'hello' }, { token: a.token })
    expect(resend.status).toBe(200)
    expect(resend.body).toEqual(first.body)
    expect((await t.api.get(`/v1/chats/${a.id}/messages`, { token: b.token })).body.messages).toHaveLength(1)
    // The recipient got one update.message; the sender's own log has it too (for other devices).
    const bu = await updates(b)
    expect(bu.updates).toEqual([{ _: 'update.message', pts: 1, message: first.body.message }])
    expect((await updates(a)).updates).toEqual([{ _: 'update.message', pts: first.body.pts, message: first.body.message }])
  })

  it('validates sends: text xor file, lengths, random_id, peer', async () => {
    const [a, b] = await pair()
    const cases: Array<[unknown, number, string]> = [
      [{ random_id: randomId() }, 400, 'BAD_REQUEST'],
      [{ random_id: 'XYZ', text: 'x' }, 400, 'BAD_REQUEST'],
      [{ random_id: randomId(), text: '' }, 400, 'BAD_REQUEST'],
      [{ random_id: randomId(), text: 'x'.repeat(4097) }, 400, 'BAD_REQUEST'],
      [{ random_id: randomId(), text: 'x', file: { file_id: 'f' } }, 400, 'BAD_REQUEST'],
      [{ random_id: randomId(), file: { file_id: 'f' } }, 400, 'BAD_REQUEST'],
    ]
    for (const [body, status, code] of cases) {
      const res = await t.api.post(`/v1/chats/${b.id}/messages`, body, { token: a.token })
      expect([res.status, res.body.error.code]).toEqual([status, code])
    }
    expect((await t.api.post(`/v1/chats/${a.id}/messages`, { random_id: randomId(), text: 'me' }, { token: a.token })).body.error.code).toBe('BAD_REQUEST')
    const ghost = await t.api.post('/v1/chats/987654/messages', { random_id: randomId(), text: 'x' }, { token: a.token })
    expect([ghost.status, ghost.body.error.code]).toEqual([404, 'PEER_NOT_FOUND'])
  })

  it('pages history newest-first with a cursor, both directions in one thread', async () => {
    const [a, b] = await pair()
    const ids: number[] = []
    for (let i = 0; i < 7; i++) ids.push((await send(i % 2 ? b : a, i % 2 ? a : b, `m${i}`)).message.id)
    const p1 = await t.api.get(`/v1/chats/${b.id}/messages?limit=3`, { token: a.token })
    expect(p1.body.messages.map((m: { text: string }) => m.text)).toEqual(['m6', 'm5', 'm4'])
    expect(p1.body.next_before).toBe(ids[4])
    const p2 = await t.api.get(`/v1/chats/${b.id}/messages?limit=3&before=${p1.body.next_before}`, { token: a.token })
    expect(p2.body.messages.map((m: { text: string }) => m.text)).toEqual(['m3', 'm2', 'm1'])
    const p3 = await t.api.get(`/v1/chats/${b.id}/messages?limit=3&before=${p2.body.next_before}`, { token: a.token })
    expect(p3.body).toEqual({ messages: [expect.objectContaining({ text: 'm0', from: a.id, to: b.id })] })
    for (const q of ['limit=0', 'limit=101', 'before=x', 'limit=-1']) expect((await t.api.get(`/v1/chats/${b.id}/messages?${q}`, { token: a.token })).status).toBe(400)
    expect((await t.api.get('/v1/chats/999999/messages', { token: a.token })).body.error.code).toBe('PEER_NOT_FOUND')
  })

  it('searches the pair case-insensitively and never returns another pair’s messages', async () => {
    const [a, b] = await pair()
    const c = await t.register()
    await send(a, b, 'Meet at the Lighthouse at noon')
    await send(b, a, 'which lighthouse?')
    await send(a, b, 'unrelated')
    await send(a, c, 'lighthouse for C only')
    const res = await t.api.get(`/v1/chats/${b.id}/search?q=LIGHTHOUSE`, { token: a.token })
    expect(res.body.messages.map((m: { text: string }) => m.text)).toEqual(['which lighthouse?', 'Meet at the Lighthouse at noon'])
    const fromC = await t.api.get(`/v1/chats/${a.id}/search?q=lighthouse`, { token: c.token })
    expect(fromC.body.messages.map((m: { text: string }) => m.text)).toEqual(['lighthouse for C only'])
    expect((await t.api.get(`/v1/chats/${b.id}/search?q=lighthouse&limit=1`, { token: a.token })).body.messages).toHaveLength(1)
    expect((await t.api.get(`/v1/chats/${b.id}/search`, { token: a.token })).status).toBe(400)
    expect((await t.api.get(`/v1/chats/${b.id}/search?q=${'x'.repeat(257)}`, { token: a.token })).status).toBe(400)
  })

  it('moves receipts: read marks the sender’s messages read and tells the sender (update.status)', async () => {
    const [a, b] = await pair()
    const m1 = await send(a, b, 'one')
    const m2 = await send(a, b, 'two')
    const aPts = (await updates(a)).pts
    const read = await t.api.post(`/v1/chats/${a.id}/read`, { max_id: m1.message.id }, { token: b.token })
    expect(read.status).toBe(200)
    expect(read.body.pts).toBe((await updates(b)).pts)
    const history = await t.api.get(`/v1/chats/${b.id}/messages`, { token: a.token })
    expect(history.body.messages.map((m: { status: string }) => m.status)).toEqual(['sent', 'read'])
    expect((await updates(a, aPts)).updates).toEqual([{ _: 'update.status', pts: aPts + 1, peer: b.id, status: 'read', max_id: m1.message.id }])
    // A read pointer never moves past the peer's real messages, nor backwards.
    await t.api.post(`/v1/chats/${a.id}/read`, { max_id: 10 ** 12 }, { token: b.token })
    expect((await updates(a, aPts + 1)).updates).toEqual([{ _: 'update.status', pts: aPts + 2, peer: b.id, status: 'read', max_id: m2.message.id }])
    await t.api.post(`/v1/chats/${a.id}/read`, { max_id: m1.message.id }, { token: b.token })
    expect((await updates(a, aPts + 2)).updates).toEqual([])
  })

  it('deletes a message for me: hidden in my history only, update.deleted in my log only', async () => {
    const [a, b] = await pair()
    const m = await send(a, b, 'oops')
    await send(a, b, 'keep')
    const [aPts, bPts] = [(await updates(a)).pts, (await updates(b)).pts]
    expect((await t.api.del(`/v1/chats/${a.id}/messages/${m.message.id}`, { token: b.token })).status).toBe(204)
    expect((await t.api.get(`/v1/chats/${a.id}/messages`, { token: b.token })).body.messages.map((x: { text: string }) => x.text)).toEqual(['keep'])
    expect((await t.api.get(`/v1/chats/${b.id}/messages`, { token: a.token })).body.messages).toHaveLength(2)
    expect((await updates(b, bPts)).updates).toEqual([{ _: 'update.deleted', pts: bPts + 1, peer: a.id, ids: [m.message.id], everyone: false }])
    expect((await updates(a, aPts)).updates).toEqual([])
    // Deleting it again is "not found" for b; the earlier update.message is no longer served to b.
    expect((await t.api.del(`/v1/chats/${a.id}/messages/${m.message.id}`, { token: b.token })).status).toBe(404)
    expect((await updates(b)).updates.filter((u: { _: string }) => u._ === 'update.message').map((u: { message: { text: string } }) => u.message.text)).toEqual(['keep'])
  })

  it('deletes my message for everyone: gone for both, update.deleted pushed to both logs and the bus', async () => {
    const [a, b] = await pair()
    const m = await send(a, b, 'retract me')
    const [aPts, bPts] = [(await updates(a)).pts, (await updates(b)).pts]
    const pushed: unknown[] = []
    const offA = t.relay.services.bus.subscribe(a.id, (d) => pushed.push(d.update))
    const offB = t.relay.services.bus.subscribe(b.id, (d) => pushed.push(d.update))
    expect((await t.api.del(`/v1/chats/${b.id}/messages/${m.message.id}?everyone=1`, { token: a.token })).status).toBe(204)
    offA()
    offB()
    const forA = { _: 'update.deleted', pts: aPts + 1, peer: b.id, ids: [m.message.id], everyone: true }
    const forB = { _: 'update.deleted', pts: bPts + 1, peer: a.id, ids: [m.message.id], everyone: true }
    expect((await updates(a, aPts)).updates).toEqual([forA])
    expect((await updates(b, bPts)).updates).toEqual([forB])
    expect(pushed).toEqual([forA, forB])
    expect((await t.api.get(`/v1/chats/${a.id}/messages`, { token: b.token })).body.messages).toEqual([])
  })

  it('forbids deleting the peer’s message for everyone and hides other pairs’ messages (404)', async () => {
    const [a, b] = await pair()
    const c = await t.register()
    const fromB = await send(b, a, 'mine, not yours')
    const forbidden = await t.api.del(`/v1/chats/${b.id}/messages/${fromB.message.id}?everyone=1`, { token: a.token })
    expect([forbidden.status, forbidden.body.error.code]).toEqual([403, 'FORBIDDEN'])
    const outsider = await t.api.del(`/v1/chats/${b.id}/messages/${fromB.message.id}?everyone=1`, { token: c.token })
    expect([outsider.status, outsider.body.error.code]).toEqual([404, 'NOT_FOUND'])
    const viaWrongPeer = await t.api.del(`/v1/chats/${a.id}/messages/${fromB.message.id}`, { token: c.token })
    expect(viaWrongPeer.status).toBe(404)
    expect((await t.api.get(`/v1/chats/${a.id}/messages`, { token: b.token })).body.messages).toHaveLength(1)
    expect((await t.api.del(`/v1/chats/${b.id}/messages/${fromB.message.id}?everyone=maybe`, { token: a.token })).status).toBe(400)
  })

  it('never shows a user another pair’s history or updates', async () => {
    const [a, b] = await pair()
    const c = await t.register()
    await send(a, b, 'private between a and b')
    expect((await t.api.get(`/v1/chats/${a.id}/messages`, { token: c.token })).body).toEqual({ messages: [] })
    expect((await t.api.get(`/v1/chats/${b.id}/messages`, { token: c.token })).body).toEqual({ messages: [] })
    expect(await updates(c)).toEqual({ updates: [], pts: 0, more: false })
    expect((await t.api.get('/v1/chats', { token: c.token })).body).toEqual({ chats: [] })
  })

  it('deletes a chat for me (history cleared, peer unaffected) and for everyone (update.chatDeleted to both)', async () => {
    const [a, b] = await pair()
    await send(a, b, 'first')
    await send(b, a, 'second')
    const bPts = (await updates(b)).pts
    expect((await t.api.del(`/v1/chats/${b.id}`, { token: a.token })).status).toBe(204)
    expect((await t.api.get(`/v1/chats/${b.id}/messages`, { token: a.token })).body.messages).toEqual([])
    expect((await t.api.get(`/v1/chats/${a.id}/messages`, { token: b.token })).body.messages).toHaveLength(2)
    expect((await updates(b, bPts)).updates).toEqual([])
    await send(b, a, 'after clearing')
    expect((await t.api.get(`/v1/chats/${b.id}/messages`, { token: a.token })).body.messages.map((m: { text: string }) => m.text)).toEqual(['after clearing'])

    const [aPts, bPts2] = [(await updates(a)).pts, (await updates(b)).pts]
    expect((await t.api.del(`/v1/chats/${a.id}?everyone=1`, { token: b.token })).status).toBe(204)
    expect((await updates(a, aPts)).updates).toEqual([{ _: 'update.chatDeleted', pts: aPts + 1, peer: b.id }])
    expect((await updates(b, bPts2)).updates).toEqual([{ _: 'update.chatDeleted', pts: bPts2 + 1, peer: a.id }])
    expect((await t.api.get(`/v1/chats/${b.id}/messages`, { token: a.token })).body.messages).toEqual([])
    const c = await t.register()
    expect((await t.api.del(`/v1/chats/${c.id}`, { token: a.token })).status).toBe(404)
  })

  it('lists chats newest first with the last message and unread count', async () => {
    const [a, b] = await pair()
    const c = await t.register()
    await send(b, a, 'b1')
    const b2 = await send(b, a, 'b2')
    await send(c, a, 'c1')
    const list = await t.api.get('/v1/chats', { token: a.token })
    expect(list.body.chats).toEqual([
      { peer: c.id, unread: 1, last_message: expect.objectContaining({ text: 'c1' }) },
      { peer: b.id, unread: 2, last_message: expect.objectContaining({ text: 'b2' }) },
    ])
    await t.api.post(`/v1/chats/${b.id}/read`, { max_id: b2.message.id }, { token: a.token })
    expect((await t.api.get('/v1/chats', { token: a.token })).body.chats[1]).toMatchObject({ peer: b.id, unread: 0 })
  })

  it('needs a signed-in user everywhere', async () => {
    for (const [method, path] of [['GET', '/v1/chats'], ['GET', '/v1/chats/1/messages'], ['GET', '/v1/chats/1/search?q=x'], ['DELETE', '/v1/chats/1'], ['POST', '/v1/chats/1/messages'], ['GET', '/v1/updates?pts=0']])
      expect((await t.api.request(method, path)).status).toBe(401)
  })
})
