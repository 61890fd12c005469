/**
 * Shared setup of the SDK integration tests: the real relay (tests/helpers/relay.ts, SQLite in a
 * temp dir, the wall clock so msg_id windows and receipts behave as in production) and SDK
 * clients from the Node entry, each with its own storage.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, fileStorage, memoryStorage, type Client, type ClientOptions } from '../../../sdk/index.node.js'
import type { StorageAdapter } from '../../../sdk/storage/types.js'
import { Writable } from 'node:stream'
import { gatewayPlugin } from '../../../server/gateway/plugin.js'
import { startRelay, type StartOptions, type TestRelay, type TestUser } from '../../helpers/relay.js'

export interface Harness {
  relay: TestRelay
  /** Every log line the relay wrote (level debug). */
  logs: string[]
  serverKey: string
  /** A new client for `user` (memory storage unless given). */
  client(user: TestUser, o?: Partial<ClientOptions>): Client
  /** A file storage in a fresh temp dir (removed at close). */
  fileStorage(): { storage: StorageAdapter; path: string; reopen(): StorageAdapter }
  close(): Promise<void>
}

export async function harness(o: StartOptions = {}): Promise<Harness> {
  const logs: string[] = []
  const logDestination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'))
      cb()
    },
  })
  const relay = await startRelay({
    clock: { now: () => Date.now() } as never,
    logLevel: 'debug',
    logDestination,
    plugins: [gatewayPlugin()],
    ...o,
  })
  const serverKey = Buffer.from(relay.relay.serverKey.publicKey).toString('base64')
  const clients: Client[] = []
  const dirs: string[] = []
  return {
    relay,
    logs,
    serverKey,
    client(user, extra = {}) {
      const c = createClient({ url: relay.url, serverKey, token: user.token, storage: memoryStorage(), ...extra })
      clients.push(c)
      return c
    },
    fileStorage() {
      const path = mkdtempSync(join(tmpdir(), 'mt-sdk-'))
      dirs.push(path)
      return { storage: fileStorage({ path }), path, reopen: () => fileStorage({ path }) }
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
      await relay.close()
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    },
  }
}

/** Resolves when `cond()` holds (polled), or fails after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now()
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`${what} not reached within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Collects a client's or chat's events of one kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEmitter = { on(event: any, fn: (...args: any[]) => void): unknown }

export function collect<T>(emitter: AnyEmitter, event: string): T[] {
  const out: T[] = []
  emitter.on(event, (x: T) => out.push(x))
  return out
}
