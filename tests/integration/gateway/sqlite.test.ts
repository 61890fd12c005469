/**
 * The gateway suites on SQLite (a real file in a temp dir).
 */
import { describe } from 'vitest'
import { rpcSuite } from './suites/rpc.js'

describe('gateway on SQLite', () => {
  describe('RPC', () => rpcSuite(async () => ({})))
})
