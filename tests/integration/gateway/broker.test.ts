/**
 * One conformance suite for the broker interface (server/broker/types.ts), run unchanged on the
 * in-process broker and on the Redis broker: updates by user (device-addressed ones included),
 * unsubscribe, presence transitions across sessions with last_seen persisted. The Redis broker is
 * also checked across two nodes. Redis runs when reachable and fails under CI=true when missing.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalBroker } from '../../../server/broker/local.js'
import { RedisBroker } from '../../../server/broker/redis.js'
import type { Broker } from '../../../server/broker/types.js'
import { systemClock } from '../../../server/clock.js'
import type { Delivery } from '../../../server/services/update-bus.js'
import type { PresenceJson } from '../../../server/services/update-types.js'
import { Store } from '../../../server/store/store.js'
import { createUser } from '../../../server/store/users.js'
import { service } from '../../helpers/env.js'

const redis = await service('redis')
const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

function brokerSuite(name: string, make: () => Promise<Broker>, skip = false): void {
  describe.skipIf(skip)(`broker: ${name}`, () => {
    let dir: string
    let store: Store
    let broker: Broker
    let users: number[]
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mt-broker-'))
      store = await Store.open({ dataDir: dir, storageKeys: [{ id: 'k1', key: randomBytes(32) }], fileStorage: 'disk' })
      await store.migrate()
      users = []
      for (let i = 0; i < 3; i++) users.push((await createUser(store.knex, { username: `b${i}${randomBytes(3).toString('hex')}`, verified: true }, Date.now())).id)
      broker = await make()
      broker.attach({ store, clock: systemClock })
    })
    afterAll(async () => {
      await broker?.close()
      await store?.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('delivers updates to the subscribers of their user only, until unsubscribed', async () => {
      const [u1, u2] = users
      const got1: Delivery[] = []
      const got2: Delivery[] = []
      const off1 = broker.subscribe(u1, (d) => got1.push(d))
      const off2 = broker.subscribe(u2, (d) => got2.push(d))
      broker.publish([
        { userId: u1, update: { _: 'update.typing', peer: u2 } },
        { userId: u2, deviceId: 'd1', update: { _: 'update.prekeysLow', device_id: 'd1', count: 3 } },
      ])
      await until(() => got1.length === 1 && got2.length === 1)
      expect(got1[0].update).toEqual({ _: 'update.typing', peer: u2 })
      expect(got2[0]).toMatchObject({ deviceId: 'd1', update: { _: 'update.prekeysLow' } })
      off1()
      broker.publish([{ userId: u1, update: { _: 'update.typing', peer: u2 } }])
      await new Promise((r) => setTimeout(r, 50))
      expect(got1).toHaveLength(1)
      off2()
    })

    it('is online while any session is, and persists last_seen when the last one closes', async () => {
      const u = users[2]
      const changes: PresenceJson[] = []
      const listener = (p: PresenceJson) => p.user_id === u && changes.push(p)
      broker.presence.on('change', listener)
      expect(await broker.presence.statuses([u])).toEqual([{ user_id: u, online: false }])
      broker.presence.connected(u)
      broker.presence.connected(u)
      await until(() => changes.length === 1)
      expect(changes[0]).toEqual({ user_id: u, online: true })
      expect(await broker.presence.statuses([u])).toEqual([{ user_id: u, online: true }])
      await broker.presence.disconnected(u)
      expect((await broker.presence.statuses([u]))[0].online).toBe(true)
      await broker.presence.disconnected(u)
      await until(() => changes.length === 2)
      expect(changes[1]).toMatchObject({ user_id: u, online: false, last_seen: expect.any(Number) })
      expect(await broker.presence.statuses([u])).toEqual([{ user_id: u, online: false, last_seen: changes[1].last_seen }])
      broker.presence.off('change', listener)
    })
  })
}

brokerSuite('in-process', async () => new LocalBroker())
brokerSuite('Redis', async () => RedisBroker.connect({ url: redis.url, prefix: `mtt:${randomBytes(4).toString('hex')}:` }), !redis.available)

describe.skipIf(!redis.available)('Redis broker across two nodes', () => {
  const prefix = `mtt:${randomBytes(4).toString('hex')}:`
  let n1: RedisBroker, n2: RedisBroker
  beforeAll(async () => {
    n1 = await RedisBroker.connect({ url: redis.url, prefix, presenceTtlMs: 1500 })
    n2 = await RedisBroker.connect({ url: redis.url, prefix, presenceTtlMs: 1500 })
  })
  afterAll(async () => {
    await n1?.close()
    await n2?.close()
  })

  it('hands one node’s publications to the other node’s subscribers, once', async () => {
    const got: Delivery[] = []
    n2.subscribe(4242, (d) => got.push(d))
    await n2.ready(4242)
    n1.publish([{ userId: 4242, update: { _: 'update.typing', peer: 1 } }])
    await until(() => got.length === 1)
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toHaveLength(1)
  })

  it('shares presence, and forgets a node that stops refreshing it', async () => {
    const seen: PresenceJson[] = []
    n2.presence.on('change', (p) => p.user_id === 4343 && seen.push(p))
    n1.presence.connected(4343)
    await until(() => seen.length === 1)
    expect(seen[0]).toEqual({ user_id: 4343, online: true })
    expect(await n2.presence.statuses([4343])).toEqual([{ user_id: 4343, online: true }])
    // A node that crashed leaves its entry behind; it stops counting once its expiry score passes.
    const raw = new Redis(redis.url)
    try {
      await raw.zadd(`${prefix}p:4444`, Date.now() + 300, 'crashed-node')
      expect((await n2.presence.statuses([4444]))[0].online).toBe(true)
      await new Promise((r) => setTimeout(r, 400))
      expect((await n2.presence.statuses([4444]))[0].online).toBe(false)
    } finally {
      await raw.quit()
    }
  })
})
