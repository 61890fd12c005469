/**
 * Connection limits and lifecycle (DESIGN "Server"; docs/PROTOCOL.md §Errors): a consumer that
 * does not read is closed with 4010 without the relay buffering what it could not take, request
 * and frame rate limits (RATE_LIMITED with retry_after, then 4008), idle and handshake timeouts
 * (4004), salt rotation pushes (§2.6), revoked sessions (4003) and graceful shutdown (1001).
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { MtChatError } from '../../../sdk/errors.js'
import { TestClient } from '../../helpers/mt-client.js'
import { expectCode } from './suites/rpc.js'
import { hex16, metric, startRelay, type TestRelay, type TestUser } from './harness.js'

const p = nodeProvider
const until = async (check: () => Promise<boolean> | boolean, ms = 20_000) => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('backpressure', () => {
  let t: TestRelay
  let a: TestUser, b: TestUser
  const queueBytes = 2 * 1024 * 1024
  beforeAll(async () => {
    t = await startRelay({ gateway: { sendQueueBytes: queueBytes, closeGraceMs: 20_000, requestRate: { perSecond: 1e5, burst: 1e5 }, frameRate: { perSecond: 1e5, burst: 1e5 } } })
    ;[a, b] = [await t.register(), await t.register()]
    await t.publishKeys(b, 'b1')
  })
  afterAll(async () => {
    await t?.close()
  })

  it('closes a client that never reads with 4010, buffering no more than its bounds; it resyncs by pts', async () => {
    const ca = await t.signedIn(a, { provider: p })
    const cb = await t.signedIn(b, { provider: p, deviceId: 'b1' })
    const start = await cb.call('updates.getState', {})
    cb.pause()
    const envelope = 128 * 1024
    const total = 150
    for (let i = 0; i < total; i += 10)
      await Promise.all(
        Array.from({ length: 10 }, () => ca.call('messages.sendSecret', { peer: b.id, device_id: 'b1', chat_id: hex16(), random_id: hex16(), data: p.randomBytes(envelope) })),
      )
    await until(async () => metric(await t.metrics(), 'mtchat_connection_closes_total{code="4010"}') >= 1)
    // Everything was stored even though b could not take it.
    expect(await t.relay.store.knex('envelopes').where({ recipient_id: b.id }).count({ n: '*' }).first()).toMatchObject({ n: total })
    cb.pause(false)
    expect((await cb.closed).code).toBe(4010)
    // b got what the kernel and the bounded queue held, far less than the ~19 MB sent.
    expect(cb.bytesReceived).toBeLessThan(total * envelope * 0.75)
    const delivered = cb.updates.filter((u) => u._ === 'update.secret').length
    expect(delivered).toBeLessThan(total)

    // Reconnecting, b catches up from its pts: every envelope, once.
    const again = await t.signedIn(b, { provider: p, deviceId: 'b1' })
    const seen = new Set<string>()
    for (let pts = start.pts, more = true; more; ) {
      const d = await again.call('updates.getDifference', { pts, limit: 4 })
      for (const u of d.updates) if (u._ === 'update.secret') seen.add(u.envelope.random_id)
      ;({ pts, more } = d)
    }
    expect(seen.size).toBe(total)
    ca.close()
    again.close()
  }, 90_000)
})

describe('rate limits, timeouts, salts, revocation', () => {
  let t: TestRelay
  let a: TestUser, b: TestUser
  beforeAll(async () => {
    t = await startRelay({
      gateway: {
        requestRate: { perSecond: 5, burst: 5 },
        frameRate: { perSecond: 40, burst: 40 },
        abuseMax: 10,
        idleTimeoutMs: 1500,
        handshakeTimeoutMs: 1000,
        sweepIntervalMs: 100,
        saltPeriodMs: 1000,
      },
    })
    ;[a, b] = [await t.register(), await t.register()]
  })
  afterAll(async () => {
    await t?.close()
  })

  it('answers requests over the rate with RATE_LIMITED and retry_after, then closes an abuser with 4008', async () => {
    const c = await t.signedIn(a, { provider: p }) // signIn spent one token
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => c.call('updates.getState', {})))
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as MtChatError] : []))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4)
    expect(refused.map((e) => e.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED'])
    expect(refused[0].details.retryAfter).toBeGreaterThanOrEqual(1)
    await new Promise((r) => setTimeout(r, 1100))
    expect((await c.call('updates.getState', {})).pts).toBe(0)
    void Promise.allSettled(Array.from({ length: 30 }, () => c.call('updates.getState', {})))
    expect((await c.closed).code).toBe(4008)
  })

  it('closes a frame flood (pings) with 4008', async () => {
    const c = await t.signedIn(b, { provider: p })
    for (let i = 0; i < 200; i++) c.sendBody({ _: 'ping', ping_id: BigInt(i) })
    expect((await c.closed).code).toBe(4008)
    expect(c.received.filter((x) => x._ === 'pong').length).toBeLessThan(200)
  })

  it('closes an idle connection and a missing handshake with 4004', async () => {
    const c = await t.signedIn(a, { provider: p })
    expect((await c.closed).code).toBe(4004)
    const ws = TestClient.raw(t.url)
    const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)))
    expect(await closed).toBe(4004)
  })

  it('pushes server_salts after the first frame and on every rotation; a client that pings stays', async () => {
    const c = await t.signedIn(a, { provider: p })
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 400))
      const pong = c.waitFor((x) => x._ === 'pong')
      c.sendBody({ _: 'ping', ping_id: BigInt(i) })
      await pong
    }
    const salts = c.received.filter((x) => x._ === 'server_salts')
    expect(salts.length).toBeGreaterThanOrEqual(3)
    expect(c.refused).toEqual([])
    expect((await c.call('updates.getState', {})).pts).toBe(0)
    c.close()
  })

  it('closes connections signed in with a session that is revoked (4003)', async () => {
    const c = await t.signedIn(b, { provider: p })
    const res = await fetch(`${t.url}/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${b.token}` } })
    expect(res.status).toBe(204)
    expect((await c.closed).code).toBe(4003)
    const again = await t.connect({ provider: p })
    await expectCode(again.call('auth.signIn', { token: b.token }), 'UNAUTHORIZED')
    again.close()
  })
})

describe('graceful shutdown', () => {
  it('answers what was accepted, then closes with 1001 and refuses new connections', async () => {
    const t = await startRelay({ gateway: { requestRate: { perSecond: 1e4, burst: 1e4 } }, keepData: true })
    const [a, b] = [await t.register(), await t.register()]
    const c = await t.signedIn(a, { provider: p })
    const framesIn = async () => metric(await t.metrics(), 'mtchat_frames_in_total{transport="ws"}')
    const before = await framesIn()
    const ids = Array.from({ length: 200 }, () => hex16())
    const pending = ids.map((rid) => c.call('messages.send', { peer: b.id, random_id: rid, text: 'last words' }))
    // Once the relay has read them all, shut down: whatever is still waiting for its commit
    // must still be committed and answered before the sockets close.
    await until(async () => (await framesIn()) >= before + 200, 10_000)
    const closing = t.relay.close()
    const results = await Promise.all(pending)
    expect(results.map((r) => r.message.random_id)).toEqual(ids)
    expect((await c.closed).code).toBe(1001)
    await closing
    await expect(TestClient.connect(t.url, t.serverKey, { provider: p, timeoutMs: 1000 })).rejects.toThrow()
    const again = await startRelay({ dataDir: t.dataDir })
    expect(await again.relay.store.knex('messages').whereIn('random_id', ids)).toHaveLength(200)
    await again.close()
    rmSync(t.dataDir, { recursive: true, force: true })
  })
})
