/**
 * The write path the gateway uses (`relay.services.writer`, `relay.services.updates`): group commit
 * of sends, secret envelopes, delivery acks and reads in one transaction with per-operation
 * outcomes; resends stored once; pts strictly increasing and gap-free per user under concurrent
 * batches; getDifference paging with secret envelopes per device; deliveries published only
 * after the commit; TTL expiry. Real relay, real database.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MtChatError } from '../../../sdk/errors.js'
import type { Delivery, SendResult, WriteOp } from '../../../server/index.js'
import { GroupCommitter } from '../../../server/services/group-commit.js'
import { dbVariants, randomId, startRelay, type TestRelay, type TestUser } from '../../helpers/relay.js'

const variants = await dbVariants()
const chatId = () => randomBytes(8).toString('hex')

describe.each(variants)('group commit on %s', (db) => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ db })
  })
  afterAll(() => t.close())

  const writer = () => t.relay.services.writer
  const updates = () => t.relay.services.updates

  async function users(n: number): Promise<TestUser[]> {
    const out: TestUser[] = []
    for (let i = 0; i < n; i++) out.push(await t.register())
    return out
  }

  async function publishDevice(u: TestUser, device: string): Promise<void> {
    // Devices are created through the keys API; the bundle's content does not matter here, so use
    // the service with a freshly signed bundle from the relay-side test keys.
    const { ed25519, x25519 } = await import('@noble/curves/ed25519.js')
    const sk = ed25519.utils.randomSecretKey()
    const ik = ed25519.getPublicKey(sk)
    const ikdh = x25519.getPublicKey(x25519.utils.randomSecretKey())
    const spk = x25519.getPublicKey(x25519.utils.randomSecretKey())
    const idLe = new Uint8Array(4)
    await t.relay.services.keys.publish(u.id, {
      device_id: device,
      identity_key: ik,
      identity_dh: ikdh,
      identity_dh_sig: ed25519.sign(new Uint8Array([...Buffer.from('mt-chat/identity-dh/v1'), ...ikdh]), sk),
      signed_prekey: { id: 0, key: spk, sig: ed25519.sign(new Uint8Array([...Buffer.from('mt-chat/signed-prekey/v1'), ...idLe, ...spk]), sk) },
    })
  }

  it('commits a mixed batch in one transaction with one outcome per operation', async () => {
    const [a, b] = await users(2)
    const rid = randomId()
    const outcomes = await writer().commit([
      { kind: 'send', from: a.id, to: b.id, randomId: rid, content: { text: 'one' } },
      { kind: 'send', from: a.id, to: 999_999, randomId: randomId(), content: { text: 'nobody' } },
      { kind: 'send', from: a.id, to: b.id, randomId: 'NOT-HEX', content: { text: 'bad' } },
      { kind: 'send', from: a.id, to: b.id, randomId: rid, content: { text: 'one' } },
      { kind: 'send', from: b.id, to: a.id, randomId: randomId(), content: { text: 'two' } },
    ])
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'PEER_NOT_FOUND', 'BAD_REQUEST', 'ok', 'ok'])
    const first = outcomes[0].ok ? (outcomes[0].value as SendResult) : undefined
    const dup = outcomes[3].ok ? (outcomes[3].value as SendResult) : undefined
    expect(first?.duplicate).toBe(false)
    expect(dup).toEqual({ ...first, duplicate: true })
    const diff = await updates().getDifference(b.id, { pts: 0 })
    expect(diff.updates.map((u) => (u._ === 'update.message' ? u.message.text : u._))).toEqual(['one', 'two'])
    expect(diff.updates.map((u) => ('pts' in u ? u.pts : 0))).toEqual([1, 2])
  })

  it('answers a resend in a later batch with the stored message and its original pts', async () => {
    const [a, b] = await users(2)
    const op: WriteOp = { kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'once' } }
    const first = await writer().submit(op)
    await writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'later' } })
    const again = await writer().submit(op)
    expect(again).toEqual({ ...first, duplicate: true })
    expect((await updates().getState(a.id)).pts).toBe(2)
  })

  it('stores a resend met in a batch of new sends once and leaves no pts hole, in that batch and the ones after', async () => {
    // Batches skip the lookup of stored resends until one meets a resend (rolled back, run again
    // the careful way); both kinds of batch must leave both users' logs gap-free.
    const [a, b] = await users(2)
    const op: WriteOp = { kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'once' } }
    const first = await writer().submit(op)
    const fresh = (text: string) => writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text } })
    const [x, again, y] = await Promise.all([fresh('x'), writer().submit(op), fresh('y')])
    expect(again).toEqual({ ...first, duplicate: true })
    const [z] = await Promise.all([fresh('z')])
    const w = await fresh('w')
    expect([first, x, y, z, w].map((r) => r.pts)).toEqual([1, 2, 3, 4, 5])
    for (const u of [a, b]) {
      const diff = await updates().getDifference(u.id, { pts: 0 })
      expect(diff.updates.map((d) => (d._ === 'update.message' ? d.message.text : d._))).toEqual(['once', 'x', 'y', 'z', 'w'])
      expect(diff.updates.map((d) => ('pts' in d ? d.pts : 0))).toEqual([1, 2, 3, 4, 5])
    }
  })

  it('rejects a submitted operation with its own MtChatError and leaves the rest of the batch alone', async () => {
    const [a, b] = await users(2)
    const results = await Promise.allSettled([
      writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'fine' } }),
      writer().submit({ kind: 'send', from: a.id, to: a.id, randomId: randomId(), content: { text: 'self' } }),
    ])
    expect(results[0].status).toBe('fulfilled')
    expect(results[1].status).toBe('rejected')
    const err = (results[1] as PromiseRejectedResult).reason
    expect(MtChatError.is(err, 'BAD_REQUEST')).toBe(true)
  })

  it('keeps every user’s pts strictly increasing and gap-free under many concurrent batches', async () => {
    const group = await users(6)
    // Small batches, four transactions in flight: overlapping users on every batch.
    const committer = new GroupCommitter({ store: t.relay.store, clock: t.relay.clock, bus: t.relay.services.bus }, { maxBatch: 7, concurrency: 4 })
    const sends: Array<Promise<SendResult>> = []
    for (let round = 0; round < 40; round++) {
      for (const [i, from] of group.entries()) {
        const to = group[(i + 1 + (round % (group.length - 1))) % group.length]
        sends.push(committer.submit({ kind: 'send', from: from.id, to: to.id, randomId: randomId(), content: { text: `r${round} ${from.id}->${to.id}` } }))
      }
      if (round % 5 === 4) await new Promise((r) => setImmediate(r))
    }
    const results = await Promise.all(sends)
    await committer.close()
    expect(new Set(results.map((r) => r.message.id)).size).toBe(results.length)
    for (const u of group) {
      const all: number[] = []
      let pts = 0
      for (;;) {
        const page = await updates().getDifference(u.id, { pts, limit: 37 })
        all.push(...page.updates.map((x) => ('pts' in x ? x.pts : -1)))
        pts = page.pts
        if (!page.more) break
      }
      expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1))
      expect(all.length).toBe(80) // 40 sent + 40 received
      expect((await updates().getState(u.id)).pts).toBe(80)
    }
    // Each sender's own pts answers are distinct too.
    for (const u of group) {
      const mine = results.filter((r) => r.message.from === u.id).map((r) => r.pts)
      expect(new Set(mine).size).toBe(mine.length)
    }
  })

  it('stores secret envelopes per device, merges them into that device’s difference, and deletes them on ack', async () => {
    const [a, b] = await users(2)
    await publishDevice(b, 'b-phone')
    await publishDevice(b, 'b-laptop')
    const data = randomBytes(120)
    const cid = chatId()
    const rid = randomId()
    const sent = await writer().submit({ kind: 'sendSecret', from: a.id, fromDevice: 'a-1', to: b.id, toDevice: 'b-phone', chatId: cid, randomId: rid, data })
    expect(sent).toEqual({ id: expect.any(Number), date: t.clock.now(), duplicate: false })
    const again = await writer().submit({ kind: 'sendSecret', from: a.id, fromDevice: 'a-1', to: b.id, toDevice: 'b-phone', chatId: cid, randomId: rid, data })
    expect(again).toEqual({ ...sent, duplicate: true })
    await writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'cloud after secret' } })

    const phone = await updates().getDifference(b.id, { pts: 0, deviceId: 'b-phone' })
    expect(phone.updates).toEqual([
      { _: 'update.secret', pts: 1, envelope: { id: sent.id, from: a.id, from_device: 'a-1', chat_id: cid, random_id: rid, data: data.toString('base64'), date: t.clock.now() } },
      expect.objectContaining({ _: 'update.message', pts: 2 }),
    ])
    const laptop = await updates().getDifference(b.id, { pts: 0, deviceId: 'b-laptop' })
    expect(laptop.updates.map((u) => u._)).toEqual(['update.message'])
    expect(laptop.pts).toBe(2)
    const noDevice = await updates().getDifference(b.id, { pts: 0 })
    expect(noDevice.updates.map((u) => u._)).toEqual(['update.message'])

    const aPts = (await updates().getState(a.id)).pts
    // Only the addressed device's ack deletes it.
    expect(await writer().submit({ kind: 'ackSecret', userId: b.id, deviceId: 'b-laptop', envelopeIds: [sent.id] })).toEqual({ count: 0 })
    expect(await writer().submit({ kind: 'ackSecret', userId: a.id, deviceId: 'b-phone', envelopeIds: [sent.id] })).toEqual({ count: 0 })
    expect(await writer().submit({ kind: 'ackSecret', userId: b.id, deviceId: 'b-phone', envelopeIds: [sent.id] })).toEqual({ count: 1 })
    expect((await updates().getDifference(b.id, { pts: 0, deviceId: 'b-phone' })).updates.map((u) => u._)).toEqual(['update.message'])
    expect((await updates().getDifference(a.id, { pts: aPts })).updates).toEqual([{ _: 'update.status', pts: aPts + 1, peer: b.id, status: 'delivered', chat_id: cid, random_id: rid }])
  })

  it('refuses an envelope for an unknown device', async () => {
    const [a, b] = await users(2)
    const err = await writer()
      .submit({ kind: 'sendSecret', from: a.id, fromDevice: 'a', to: b.id, toDevice: 'nope', chatId: chatId(), randomId: randomId(), data: randomBytes(64) })
      .catch((e: unknown) => e)
    expect(MtChatError.is(err, 'NOT_FOUND')).toBe(true)
  })

  it('turns a delivery ack into ✔✔ for the sender, only for messages addressed to the acking user', async () => {
    const [a, b, c] = await users(3)
    const m1 = await writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'x' } })
    const m2 = await writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'y' } })
    const aPts = (await updates().getState(a.id)).pts
    expect(await writer().submit({ kind: 'delivered', userId: c.id, messageIds: [m1.message.id] })).toEqual({ count: 0 })
    expect(await writer().submit({ kind: 'delivered', userId: b.id, messageIds: [m1.message.id, m2.message.id] })).toEqual({ count: 2 })
    expect(await writer().submit({ kind: 'delivered', userId: b.id, messageIds: [m1.message.id] })).toEqual({ count: 1 })
    expect((await updates().getDifference(a.id, { pts: aPts })).updates).toEqual([{ _: 'update.status', pts: aPts + 1, peer: b.id, status: 'delivered', max_id: m2.message.id }])
    const history = await t.relay.services.messages.history(a.id, b.id)
    expect(history.messages.map((m) => m.status)).toEqual(['delivered', 'delivered'])
  })

  it('publishes deliveries only after the commit, in pts order, tagged with the origin session', async () => {
    const [a, b] = await users(2)
    const seen: Delivery[] = []
    const offA = t.relay.services.bus.subscribe(a.id, (d) => seen.push(d))
    const offB = t.relay.services.bus.subscribe(b.id, (d) => seen.push(d))
    const pending = writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'push' }, origin: 'conn-7' })
    expect(seen).toEqual([])
    const r = await pending
    offA()
    offB()
    expect(seen).toEqual([
      { userId: b.id, update: { _: 'update.message', pts: 1, message: r.message } },
      { userId: a.id, update: { _: 'update.message', pts: 1, message: r.message }, origin: 'conn-7' },
    ])
  })

  it('starts a TTL when the message is read and deletes it for both when it runs out', async () => {
    const [a, b] = await users(2)
    const m = await writer().submit({ kind: 'send', from: a.id, to: b.id, randomId: randomId(), content: { text: 'self-destruct' }, ttl: 5 })
    expect(m.message.ttl).toBe(5)
    expect(await t.relay.services.messages.expire()).toBe(0)
    const read = await writer().submit({ kind: 'read', userId: b.id, peer: a.id, maxId: m.message.id })
    expect(read.changed).toBe(true)
    t.clock.advance(4_000)
    expect(await t.relay.services.messages.expire()).toBe(0)
    t.clock.advance(1_000)
    const [aPts, bPts] = [(await updates().getState(a.id)).pts, (await updates().getState(b.id)).pts]
    expect(await t.relay.services.messages.expire()).toBe(1)
    expect((await updates().getDifference(b.id, { pts: bPts })).updates).toEqual([{ _: 'update.deleted', pts: bPts + 1, peer: a.id, ids: [m.message.id], everyone: true }])
    expect((await updates().getDifference(a.id, { pts: aPts })).updates).toEqual([{ _: 'update.deleted', pts: aPts + 1, peer: b.id, ids: [m.message.id], everyone: true }])
    expect((await t.relay.services.messages.history(a.id, b.id)).messages).toEqual([])
  })

  it('validates getDifference arguments', async () => {
    const [a] = await users(1)
    await expect(updates().getDifference(a.id, { pts: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(updates().getDifference(a.id, { pts: 0, limit: 501 })).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    expect(await updates().getDifference(a.id, { pts: 10 })).toEqual({ updates: [], pts: 0, more: false })
  })
})
