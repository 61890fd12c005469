/**
 * Offline delivery (docs/PROTOCOL.md §3.1): B is offline while A sends cloud messages and secret
 * envelopes; B connects and `getDifference` returns all of them, in order, exactly once; B's ack
 * turns the cloud messages ✔✔ and deletes the envelopes from the database.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { nodeProvider } from '../../../../sdk/crypto/node.js'
import type { Update } from '../../../../sdk/protocol/schemas/updates.js'
import { hex16, startRelay, type StartOptions, type TestRelay, type TestUser } from '../harness.js'

/** The offline-delivery suite on a relay started with `options`. */
export function offlineSuite(options: () => Promise<StartOptions>): void {
  let t: TestRelay
  let a: TestUser, b: TestUser

  beforeAll(async () => {
    t = await startRelay(await options())
    ;[a, b] = [await t.register(), await t.register()]
    await t.publishKeys(b, 'b1')
    await t.publishKeys(b, 'b2')
  })
  afterAll(async () => {
    await t?.close()
  })

  it('delivers what was sent while B was offline, in order, exactly once, and cleans up on ack', async () => {
    const ca = await t.signedIn(a, { provider: nodeProvider, deviceId: 'a1' })
    const sent: Array<{ kind: 'cloud' | 'secret'; random_id: string; text?: string; data?: Uint8Array }> = []
    for (let i = 0; i < 12; i++) {
      const random_id = hex16()
      if (i % 3 === 1) {
        const data = nodeProvider.randomBytes(64 + 16 * i)
        await ca.call('messages.sendSecret', { peer: b.id, device_id: 'b1', chat_id: 'c0ffee00c0ffee00', random_id, data })
        sent.push({ kind: 'secret', random_id, data })
      } else {
        const text = `offline ${i}`
        await ca.call('messages.send', { peer: b.id, random_id, text })
        sent.push({ kind: 'cloud', random_id, text })
      }
    }
    const secrets = sent.filter((s) => s.kind === 'secret')
    expect(await t.relay.store.knex('envelopes').where({ recipient_id: b.id })).toHaveLength(secrets.length)

    const cb = await t.signedIn(b, { provider: nodeProvider, deviceId: 'b1' })
    const got: Update[] = []
    for (let pts = 0, more = true; more; ) {
      const d = await cb.call('updates.getDifference', { pts, limit: 5 })
      got.push(...d.updates)
      ;({ pts, more } = d)
    }
    const ptsOf = (u: Update) => ('pts' in u ? u.pts : -1)
    expect(got.map(ptsOf)).toEqual([...got.map(ptsOf)].sort((x, y) => x - y))
    expect(new Set(got.map(ptsOf)).size).toBe(got.length)
    expect(
      got.map((u) => (u._ === 'update.message' ? { kind: 'cloud', random_id: u.message.random_id, text: u.message.text } : u._ === 'update.secret' ? { kind: 'secret', random_id: u.envelope.random_id, data: u.envelope.data } : u._)),
    ).toEqual(sent.map((s) => (s.kind === 'cloud' ? { kind: 'cloud', random_id: s.random_id, text: s.text } : { kind: 'secret', random_id: s.random_id, data: s.data })))
    // Nothing of it was pushed as well: exactly once.
    expect(cb.updates.filter((u) => u._ === 'update.message' || u._ === 'update.secret')).toEqual([])

    // b1's ack of the getDifference answers: ✔✔ for A, envelopes deleted.
    const lastCloud = got.filter((u) => u._ === 'update.message').pop()!
    await ca.waitForUpdate((u) => u._ === 'update.status' && u.status === 'delivered' && u.max_id === (lastCloud as Extract<Update, { _: 'update.message' }>).message.id)
    for (const s of secrets) await ca.waitForUpdate((u) => u._ === 'update.status' && u.random_id === s.random_id)
    expect(await t.relay.store.knex('envelopes').where({ recipient_id: b.id })).toEqual([])

    // Read again: the envelopes are gone, the cloud messages are ✔✔ now.
    const again = await cb.call('updates.getDifference', { pts: 0, limit: 100 })
    expect(again.updates.filter((u) => u._ === 'update.secret')).toEqual([])
    const statuses = again.updates.flatMap((u) => (u._ === 'update.message' ? [u.message.status] : []))
    expect(statuses).toHaveLength(sent.length - secrets.length)
    expect(new Set(statuses)).toEqual(new Set(['delivered']))

    // b2 was never addressed: it sees the cloud messages but none of b1's envelopes.
    const cb2 = await t.signedIn(b, { provider: nodeProvider, deviceId: 'b2' })
    const d2 = await cb2.call('updates.getDifference', { pts: 0, limit: 100 })
    expect(d2.updates.some((u) => u._ === 'update.secret')).toBe(false)
    expect(d2.updates.filter((u) => u._ === 'update.message')).toHaveLength(sent.length - secrets.length)
    for (const c of [ca, cb, cb2]) c.close()
  })

  it('keeps an envelope when the device never acks, and delivers it on the next connection', async () => {
    const ca = await t.signedIn(a, { provider: nodeProvider, deviceId: 'a1' })
    const cb = await t.signedIn(b, { provider: nodeProvider, deviceId: 'b1', autoAck: false })
    const random_id = hex16()
    await ca.call('messages.sendSecret', { peer: b.id, device_id: 'b1', chat_id: 'c0ffee00c0ffee00', random_id, data: new Uint8Array(80) })
    await cb.waitForUpdate((u) => u._ === 'update.secret' && u.envelope.random_id === random_id)
    cb.close()
    await cb.closed
    expect(await t.relay.store.knex('envelopes').where({ random_id })).toHaveLength(1)
    const again = await t.signedIn(b, { provider: nodeProvider, deviceId: 'b1' })
    const state = await again.call('updates.getState', {})
    const d = await again.call('updates.getDifference', { pts: state.pts - 1, limit: 10 })
    expect(d.updates.map((u) => (u._ === 'update.secret' ? u.envelope.random_id : u._))).toEqual([random_id])
    await ca.waitForUpdate((u) => u._ === 'update.status' && u.random_id === random_id)
    expect(await t.relay.store.knex('envelopes').where({ random_id })).toHaveLength(0)
    ca.close()
    again.close()
  })
}
