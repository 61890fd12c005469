/**
 * A local relay for the SDK benchmarks, in its own process (so the clients under measurement do
 * not share an event loop with it): createChatRelay on 127.0.0.1, a random port, SQLite in a temp
 * dir, quiet logs, generous rate limits. Prints `{ url, serverKey }` as one JSON line; exits on
 * SIGTERM after a graceful close.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChatRelay } from '../../server/gateway/plugin.js'

const dataDir = mkdtempSync(join(tmpdir(), 'mt-bench-sdk-'))
const relay = await createChatRelay({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', rateAuth: 1_000_000, rateKeys: 1_000_000, scryptCost: 10, maintenance: false })
const { url } = await relay.listen()
process.stdout.write(`${JSON.stringify({ url, serverKey: Buffer.from(relay.serverKey.publicKey).toString('base64') })}\n`)
process.on('SIGTERM', () => {
  void relay.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  })
})
