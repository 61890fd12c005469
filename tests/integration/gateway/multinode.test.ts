/**
 * Several relay nodes (DESIGN "Broker"): two relays on the same PostgreSQL schema, each with its
 * own Redis broker, deliver to each other — a message from a client on node 1 reaches a client on
 * node 2, and its ✔✔ comes back; presence and typing cross nodes too. Runs when PostgreSQL and
 * Redis are reachable; fails under CI=true when either is missing.
 */
import { randomBytes } from 'node:crypto'
import knexPkg from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { RedisBroker } from '../../../server/broker/redis.js'
import { service } from '../../helpers/env.js'
import { hex16, startRelay, type TestRelay, type TestUser } from './harness.js'

const pg = await service('postgres')
const redis = await service('redis')
const p = nodeProvider

describe.skipIf(!pg.available || !redis.available)('two relay nodes on PostgreSQL + Redis', () => {
  const schema = `gwm_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const prefix = `mtt:${schema}:`
  const shared = { databaseUrl: pg.url, dbSchema: schema, serverKey: randomBytes(32).toString('hex'), storageKey: `k1:${randomBytes(32).toString('base64')}` }
  let n1: TestRelay, n2: TestRelay
  let a: TestUser, b: TestUser

  beforeAll(async () => {
    n1 = await startRelay({ ...shared, broker: await RedisBroker.connect({ url: redis.url, prefix, presenceTtlMs: 3000 }) })
    n2 = await startRelay({ ...shared, broker: await RedisBroker.connect({ url: redis.url, prefix, presenceTtlMs: 3000 }) })
    a = await n1.register()
    b = await n2.register()
  })
  afterAll(async () => {
    await n1?.close()
    await n2?.close()
    const db = knexPkg.knex({ client: 'pg', connection: pg.url })
    await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
    await db.destroy()
  })

  it('delivers a message from node 1 to node 2 and the receipt back', async () => {
    const ca = await n1.signedIn(a, { provider: p })
    const cb = await n2.signedIn(b, { provider: p })
    // Presence crosses nodes: b is online (on node 2) as seen from node 1.
    const seen = await ca.call('presence.subscribe', { users: [b.id] })
    expect(seen.statuses).toEqual([{ user_id: b.id, online: true }])

    const r = await ca.call('messages.send', { peer: b.id, random_id: hex16(), text: 'across nodes' })
    const u = await cb.waitForUpdate((x) => x._ === 'update.message' && x.message.id === r.message.id)
    expect(u).toMatchObject({ message: { text: 'across nodes', from: a.id } })
    await ca.waitForUpdate((x) => x._ === 'update.status' && x.status === 'delivered' && x.max_id === r.message.id)

    await cb.call('messages.typing', { peer: a.id })
    await ca.waitForUpdate((x) => x._ === 'update.typing' && x.peer === b.id)

    // And back, node 2 → node 1.
    const back = await cb.call('messages.send', { peer: a.id, random_id: hex16(), text: 'and back' })
    await ca.waitForUpdate((x) => x._ === 'update.message' && x.message.id === back.message.id)

    cb.close()
    const off = await ca.waitForUpdate((x) => x._ === 'update.presence' && x.user_id === b.id && !x.online)
    expect(off).toMatchObject({ online: false, last_seen: expect.any(Number) })
    expect(ca.refused).toEqual([])
    ca.close()
  })
})
