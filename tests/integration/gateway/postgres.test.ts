/**
 * The gateway suites on PostgreSQL (a fresh schema, dropped afterwards). Runs whenever PostgreSQL
 * is reachable; fails under CI=true when it is not (tests/helpers/env.ts).
 */
import knexPkg from 'knex'
import { afterAll, describe } from 'vitest'
import { service } from '../../helpers/env.js'
import { offlineSuite } from './suites/offline.js'
import { pollSuite } from './suites/poll.js'
import { rpcSuite } from './suites/rpc.js'

const pg = await service('postgres')
const schema = `gw_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
const options = async () => ({ databaseUrl: pg.url, dbSchema: schema })

describe.skipIf(!pg.available)('gateway on PostgreSQL', () => {
  afterAll(async () => {
    const db = knexPkg.knex({ client: 'pg', connection: pg.url })
    await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema])
    await db.destroy()
  })
  describe('RPC', () => rpcSuite(options))
  describe('offline delivery', () => offlineSuite(options))
  describe('long-polling', () => pollSuite(options))
})
