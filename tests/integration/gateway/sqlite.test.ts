/**
 * The gateway suites on SQLite (a real file in a temp dir).
 */
import { describe } from 'vitest'
import { offlineSuite } from './suites/offline.js'
import { pollSuite } from './suites/poll.js'
import { rpcSuite } from './suites/rpc.js'

describe('gateway on SQLite', () => {
  describe('RPC', () => rpcSuite(async () => ({})))
  describe('offline delivery', () => offlineSuite(async () => ({})))
  describe('long-polling', () => pollSuite(async () => ({})))
})
