/**
 * mt-chat as benchmarked: `createChatRelay` (the relay with the gateway) on SQLite in a fresh temp
 * dir — WAL, synchronous=FULL, group commit — with node:crypto, on 127.0.0.1. Users sign in with
 * host-signed JWTs (HS256, secret from `MT_BENCH_JWT_SECRET`), so no password hashing is measured.
 * The per-connection rate limits are raised: the load generator is one client per user sending as
 * fast as the relay answers. Prints `READY <url> <server key base64>`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChatRelay } from '../../../server/gateway/plugin.js'

const dataDir = mkdtempSync(join(tmpdir(), 'mt-bench-'))
const relay = await createChatRelay({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  nodeEnv: 'test',
  logLevel: 'warn',
  jwtSecret: process.env.MT_BENCH_JWT_SECRET,
  maintenance: false,
  rateAuth: 1_000_000,
  gateway: { requestRate: { perSecond: 1e6, burst: 1e6 }, frameRate: { perSecond: 1e6, burst: 1e6 } },
})
const { port } = await relay.listen()
process.stdout.write(`READY http://127.0.0.1:${port} ${Buffer.from(relay.serverKey.publicKey).toString('base64')}\n`)
process.on('SIGTERM', () => {
  void relay.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  })
})
