/**
 * The long-polling fallback (docs/PROTOCOL.md §2.8): the same exchange as over WebSocket through
 * `POST /v1/poll` — handshake, sign-in, pushes, acks and receipts, the same frame checks — plus
 * the polling rules: an empty request waits, sessions expire, a closed session answers 410.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { nodeProvider } from '../../../../sdk/crypto/node.js'
import type { RelayBody } from '../../../../sdk/protocol/schemas/registry.js'
import { encodePollBody } from '../../../helpers/mt-client.js'
import { hex16, startRelay, type StartOptions, type TestRelay, type TestUser } from '../harness.js'

/** The long-polling suite on a relay started with `options` (its gateway options are extended). */
export function pollSuite(options: () => Promise<StartOptions>): void {
  let t: TestRelay
  let a: TestUser, b: TestUser

  beforeAll(async () => {
    const o = await options()
    t = await startRelay({ ...o, gateway: { ...o.gateway, pollWaitMs: 800, pollSessionTtlMs: 1500, sweepIntervalMs: 200 } })
    ;[a, b] = [await t.register(), await t.register()]
  })
  afterAll(async () => {
    await t?.close()
  })

  it('runs the same exchange over POST /v1/poll', async () => {
    const ca = await t.signedIn(a, { provider: nodeProvider })
    const cb = await t.signedIn(b, { provider: nodeProvider, transport: 'poll' })
    await ca.call('presence.subscribe', { users: [b.id] }).then((r) => expect(r.statuses[0].online).toBe(true))

    // ws → poll, with ✔✔ from the polling client's ack.
    const r = await ca.call('messages.send', { peer: b.id, random_id: hex16(), text: 'to the poller' })
    const u = await cb.waitForUpdate((x) => x._ === 'update.message' && x.message.id === r.message.id)
    expect(u).toMatchObject({ message: { text: 'to the poller', from: a.id } })
    await ca.waitForUpdate((x) => x._ === 'update.status' && x.status === 'delivered' && x.max_id === r.message.id)

    // poll → ws, and ✅.
    const back = await cb.call('messages.send', { peer: a.id, random_id: hex16(), text: 'from the poller' })
    await ca.waitForUpdate((x) => x._ === 'update.message' && x.message.id === back.message.id)
    await cb.call('messages.read', { peer: a.id, max_id: r.message.id })
    await ca.waitForUpdate((x) => x._ === 'update.status' && x.status === 'read' && x.max_id === r.message.id)

    // The same frame checks: a replay is answered with bad_msg 16.
    const replay = cb.waitFor((x): x is Extract<RelayBody, { _: 'bad_msg_notification' }> => x._ === 'bad_msg_notification' && x.error_code === 16)
    cb.sendFrame(cb.sent[cb.sent.length - 1])
    expect((await replay).error_code).toBe(16)
    expect(cb.refused).toEqual([])
    ca.close()
    cb.close()
  })

  it('holds an empty request until there is something to send or the wait ends', async () => {
    const cb = await t.signedIn(b, { provider: nodeProvider, transport: 'poll' })
    const key = Buffer.from(cb.keys.authKeyId).toString('hex')
    cb.close() // stops the client's own loop; the relay session stays
    const poll = async () => {
      const started = Date.now()
      const res = await fetch(`${t.url}/v1/poll?auth_key_id=${key}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: encodePollBody([]) })
      expect(res.status).toBe(200)
      return { waited: Date.now() - started, bytes: new Uint8Array(await res.arrayBuffer()).length }
    }
    // Whatever the closed client left queued comes at once; then there is nothing: the wait runs out.
    let r = await poll()
    if (r.bytes > 0) r = await poll()
    expect(r.bytes).toBe(0)
    expect(r.waited).toBeGreaterThanOrEqual(700)
  })

  it('expires an idle polling session (presence goes offline) and answers 410 afterwards', async () => {
    const ca = await t.signedIn(a, { provider: nodeProvider })
    const cb = await t.signedIn(b, { provider: nodeProvider, transport: 'poll' })
    await ca.call('presence.subscribe', { users: [b.id] })
    const key = Buffer.from(cb.keys.authKeyId).toString('hex')
    cb.close()
    await ca.waitForUpdate((x) => x._ === 'update.presence' && x.user_id === b.id && !x.online, 10_000)
    const res = await fetch(`${t.url}/v1/poll?auth_key_id=${key}`, { method: 'POST', body: encodePollBody([]) })
    expect(res.status).toBe(410)
    expect(await res.json()).toMatchObject({ error: { code: 'CONNECTION_CLOSED' } })
    ca.close()
  })

  it('refuses a malformed body with 400 and an unknown session with 410', async () => {
    const bad = await fetch(`${t.url}/v1/poll`, { method: 'POST', body: new Uint8Array([1, 0, 0]) })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } })
    const unknown = await fetch(`${t.url}/v1/poll`, { method: 'POST', body: encodePollBody([nodeProvider.randomBytes(72)]) })
    expect(unknown.status).toBe(410)
    const garbageHs = await fetch(`${t.url}/v1/poll`, { method: 'POST', body: encodePollBody([new Uint8Array(76)]) })
    expect(garbageHs.status).toBe(400)
    expect(await garbageHs.json()).toMatchObject({ error: { code: 'HANDSHAKE_BAD_FRAME', close: 4001 } })
  })
}
