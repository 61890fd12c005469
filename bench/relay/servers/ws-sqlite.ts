/**
 * Baseline 3: the raw `ws` relay of `ws.ts` with durable storage and nothing else — what storing
 * every message costs before any encryption or protocol. Each message is committed to SQLite
 * (knex + sqlite3, a fresh temp dir, WAL, synchronous=FULL: the pragmas of server/store/db.ts)
 * by group commit — everything that arrived while the previous transaction ran goes into the next
 * one (multi-row INSERTs) — and forwarded to the peer only after its COMMIT resolved, as mt-chat
 * acks only what is committed. DESIGN.md measured such a relay at ≈ 24k msgs/s on this machine
 * kind, against ≈ 46k without the store. Started by `bench/relay/index.ts`; prints `READY <url>`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import knex from 'knex'
import type { WebSocket } from 'ws'
import { forward, startPairRelay } from './ws-pairs.js'

const dataDir = mkdtempSync(join(tmpdir(), 'mt-bench-ws-sqlite-'))
const db = knex({
  client: 'sqlite3',
  connection: { filename: join(dataDir, 'relay.sqlite') },
  useNullAsDefault: true,
  pool: {
    min: 1,
    max: 1,
    afterCreate: (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) =>
      conn.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;', (err) => done(err, conn)),
  },
})
// A rowid table (no AUTOINCREMENT, whose sqlite_sequence row would be one more write per commit).
await db.raw('CREATE TABLE messages (id integer PRIMARY KEY, pair text NOT NULL, body blob NOT NULL)')

/** A message waiting for its commit: where it goes once stored. */
interface Pending {
  pair: string
  body: Buffer
  to: readonly WebSocket[]
  from: WebSocket
}
let queue: Pending[] = []
let committing = false
/** Rows per INSERT: 2 bound values each, well under SQLite's variable limit. */
const ROWS_PER_INSERT = 500

async function commitLoop(): Promise<void> {
  committing = true
  while (queue.length > 0) {
    const batch = queue
    queue = []
    await db.transaction(async (trx) => {
      for (let i = 0; i < batch.length; i += ROWS_PER_INSERT)
        await trx('messages').insert(batch.slice(i, i + ROWS_PER_INSERT).map((m) => ({ pair: m.pair, body: m.body })))
    })
    for (const m of batch) forward(m.from, m.body, m.to)
  }
  committing = false
}

startPairRelay((pair, from, body, to) => {
  queue.push({ pair, body, to, from })
  // Everything arriving in this event-loop turn joins one transaction.
  if (!committing) setImmediate(() => void commitLoop().catch((err: unknown) => (process.stderr.write(`commit failed: ${String(err)}\n`), process.exit(1))))
  committing = true
})
// The temp dir goes with the process, however it ends (SIGTERM from index.ts, a failed commit).
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }))
process.on('SIGTERM', () => void db.destroy().finally(() => process.exit(0)))
process.on('SIGINT', () => void db.destroy().finally(() => process.exit(130)))
