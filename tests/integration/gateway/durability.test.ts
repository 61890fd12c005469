/**
 * Durability (DESIGN "Durability"): the relay runs as a child process (`mt-chat-server start`
 * under tsx) and is killed with SIGKILL while a sender has messages in flight, then restarted on
 * the same data dir. Every message acked to the sender is delivered afterwards; resending all of
 * them with the same random_ids stores each once; receipts ✔ → ✔✔ → ✅ still reach the sender.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import knexPkg from 'knex'
import { afterAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import type { Update } from '../../../sdk/protocol/schemas/updates.js'
import { TestClient } from '../../helpers/mt-client.js'
import { hex16 } from './harness.js'
import { relayChildEnv } from '../../helpers/env.js'

const ROOT = new URL('../../../', import.meta.url).pathname
const p = nodeProvider

interface Child {
  proc: ChildProcess
  url: string
  serverKey: Uint8Array
}

/** Starts `mt-chat-server start` on a free port and waits for its banner. */
function startChild(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli.ts'), 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--scrypt-cost', '10', '--rate-auth', '100000', '--log-level', 'warn', '--node-env', 'test'], {
    cwd: ROOT,
    env: relayChildEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${out} ${err}`)), 30_000)
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /listening on (\S+)/.exec(out)?.[1]
      const key = /server key \(pin as serverKey\): (\S+)/.exec(out)?.[1]
      if (url && key) {
        clearTimeout(timer)
        resolve({ proc, url: url.replace('localhost', '127.0.0.1'), serverKey: new Uint8Array(Buffer.from(key, 'base64')) })
      }
    })
    proc.on('exit', (code) => reject(new Error(`relay exited ${code}: ${err}`)))
  })
}

async function register(url: string): Promise<{ id: number; token: string }> {
  const res = await fetch(`${url}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: `d${hex16().slice(0, 10)}`, password: 'correct horse battery' }),
  })
  const body = (await res.json()) as { user: { id: number }; token: string }
  return { id: body.user.id, token: body.token }
}

describe('durability across SIGKILL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mt-dur-'))
  const children: ChildProcess[] = []
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('delivers every acked message after a crash, stores resends once, and keeps receipts working', async () => {
    const first = await startChild(dataDir)
    children.push(first.proc)
    const [a, b] = [await register(first.url), await register(first.url)]
    const ca = await TestClient.connect(first.url, first.serverKey, { provider: p })
    await ca.call('auth.signIn', { token: a.token })

    // A keeps 16 sends in flight; after 150 acks the relay is killed mid-stream.
    const ids = Array.from({ length: 600 }, () => hex16())
    const acked = new Map<string, number>()
    let next = 0
    let killed = false
    const worker = async () => {
      while (next < ids.length && !killed) {
        const rid = ids[next++]
        try {
          const r = await ca.call('messages.send', { peer: b.id, random_id: rid, text: `durable ${rid}` }, 5000)
          acked.set(rid, r.message.id)
          if (acked.size === 150 && !killed) {
            killed = true
            first.proc.kill('SIGKILL')
          }
        } catch {
          // Unanswered: the relay died with it in flight. It may or may not be stored.
        }
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
    await new Promise<void>((r) => (first.proc.exitCode !== null || first.proc.signalCode !== null ? r() : first.proc.once('exit', () => r())))
    expect(first.proc.signalCode).toBe('SIGKILL')
    expect(acked.size).toBeGreaterThanOrEqual(150)
    const sentCount = next
    // The kill caught sends in flight: some were sent and never answered.
    expect(sentCount).toBeGreaterThan(acked.size)

    const second = await startChild(dataDir)
    children.push(second.proc)
    expect(Buffer.from(second.serverKey).equals(Buffer.from(first.serverKey))).toBe(true)
    const ca2 = await TestClient.connect(second.url, second.serverKey, { provider: p })
    await ca2.call('auth.signIn', { token: a.token })
    const cb = await TestClient.connect(second.url, second.serverKey, { provider: p })
    await cb.call('auth.signIn', { token: b.token })

    // Every acked message reaches B, once.
    const got: Update[] = []
    for (let pts = 0, more = true; more; ) {
      const d = await cb.call('updates.getDifference', { pts, limit: 500 })
      got.push(...d.updates)
      ;({ pts, more } = d)
    }
    const delivered = new Map(got.flatMap((u) => (u._ === 'update.message' ? [[u.message.random_id, u.message.id] as const] : [])))
    expect(delivered.size).toBe(got.filter((u) => u._ === 'update.message').length)
    for (const [rid, id] of acked) expect(delivered.get(rid), rid).toBe(id)

    // A resends everything it tried (acked or not) with the same random_ids: each stored once.
    const resent = await Promise.all(ids.slice(0, sentCount).map((rid) => ca2.call('messages.send', { peer: b.id, random_id: rid, text: `durable ${rid}` })))
    for (const r of resent) if (acked.has(r.message.random_id)) expect(r.message.id).toBe(acked.get(r.message.random_id))
    const db = knexPkg.knex({ client: 'sqlite3', connection: { filename: join(dataDir, 'mt-chat.sqlite') }, useNullAsDefault: true })
    try {
      const rows = (await db('messages').where({ sender_id: a.id }).select('random_id')) as Array<{ random_id: string }>
      expect(rows).toHaveLength(sentCount)
      expect(new Set(rows.map((r) => r.random_id)).size).toBe(sentCount)
    } finally {
      await db.destroy()
    }

    // Receipts after the restart: ✔✔ from B's ack of its difference, ✅ from messages.read.
    const last = Math.max(...resent.map((r) => r.message.id))
    const more = await cb.call('updates.getDifference', { pts: 0, limit: 500 })
    expect(more.updates.length).toBeGreaterThan(0)
    await ca2.waitForUpdate((u) => u._ === 'update.status' && u.status === 'delivered', 15_000)
    await cb.call('messages.read', { peer: a.id, max_id: last })
    const read = await ca2.waitForUpdate((u) => u._ === 'update.status' && u.status === 'read', 15_000)
    expect(read).toMatchObject({ peer: b.id, max_id: last })
    ca.close()
    ca2.close()
    cb.close()
    second.proc.kill('SIGTERM')
    await new Promise<void>((r) => second.proc.once('exit', () => r()))
    expect(second.proc.exitCode).toBe(0)
  }, 120_000)
})
