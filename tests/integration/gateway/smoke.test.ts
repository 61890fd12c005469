import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, hex16, type TestRelay } from './harness.js'

describe('gateway smoke', () => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay()
  })
  afterAll(async () => {
    await t.close()
  })

  it('signs in and sends', async () => {
    const [a, b] = [await t.register(), await t.register()]
    const ca = await t.signedIn(a)
    const cb = await t.signedIn(b)
    const r = await ca.call('messages.send', { peer: b.id, random_id: hex16(), text: 'hello' })
    expect(r.message.text).toBe('hello')
    const u = await cb.waitForUpdate((x) => x._ === 'update.message')
    expect(u._).toBe('update.message')
    const st = await ca.waitForUpdate((x) => x._ === 'update.status')
    expect(st).toMatchObject({ status: 'delivered' })
  })
})
