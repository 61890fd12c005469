/**
 * The gateway's hot-path counters kept as plain numbers (frames, successful RPCs) reach `/metrics`:
 * each scrape folds what happened since the last one into the Prometheus counters, exactly once.
 * Real relay, real socket, SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { expectCode } from './suites/rpc.js'
import { hex16, metric, startRelay, type TestRelay } from './harness.js'

describe('gateway metrics', () => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay()
  })
  afterAll(() => t.close())

  it('counts RPCs by method and result, each once across scrapes', async () => {
    const [a, b] = [await t.register(), await t.register()]
    const ok = (text: string, method: string) => metric(text, `mtchat_rpc_total{method="${method}",result="ok"}`)
    const before = await t.metrics()
    const c = await t.signedIn(a, { provider: nodeProvider })
    for (let i = 0; i < 3; i++) await c.call('messages.send', { peer: b.id, random_id: hex16(), text: `m${i}` })
    await expectCode(c.call('messages.send', { peer: 987_654_321, random_id: hex16(), text: 'nobody' }), 'PEER_NOT_FOUND')
    const first = await t.metrics()
    expect(ok(first, 'messages.send') - ok(before, 'messages.send')).toBe(3)
    expect(ok(first, 'auth.signIn') - ok(before, 'auth.signIn')).toBe(1)
    expect(metric(first, 'mtchat_rpc_total{method="messages.send",result="PEER_NOT_FOUND"}')).toBe(1)
    const second = await t.metrics()
    expect(ok(second, 'messages.send')).toBe(ok(first, 'messages.send'))
    await c.call('messages.send', { peer: b.id, random_id: hex16(), text: 'one more' })
    expect(ok(await t.metrics(), 'messages.send')).toBe(ok(first, 'messages.send') + 1)
    c.close()
  })
})
