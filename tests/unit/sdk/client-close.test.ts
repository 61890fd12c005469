// Client.close() ends the client for good: nothing after it reconnects — not the app calling
// connect(), not a send that was being stored while the client closed (disconnect() is the call
// after which a later use reconnects).
import { describe, expect, it } from 'vitest'
import { createClient } from '../../../sdk/index.node.js'
import { memoryStorage } from '../../../sdk/storage/memory.js'
import type { StorageAdapter } from '../../../sdk/storage/types.js'
import { FakeRelay } from './fake-relay.js'

const noFetch = async () => new Response(null, { status: 204 })

function client(relay: FakeRelay, storage: StorageAdapter = memoryStorage()) {
  return createClient({ url: 'http://relay.test', serverKey: relay.publicKey, token: 't', storage, transport: relay.transport(), fetch: noFetch })
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('Client.close', () => {
  it('is final: connect() afterwards rejects with CONNECTION_CLOSED and opens nothing', async () => {
    const relay = new FakeRelay()
    const c = client(relay)
    await c.connect()
    await c.close()
    await expect(c.connect()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' })
    expect(relay.conns.length).toBe(1)
    expect(c.state).toBe('closed')
  })

  it('a send still being stored when the client closes rejects, and opens no new connection', async () => {
    const relay = new FakeRelay()
    // A storage whose outbox writes wait for the test: the send is caught inside its storage write
    // (the device keys' first write, which runs after sign-in, goes through).
    const inner = memoryStorage()
    let held: (() => void) | undefined
    let hold = false
    const storage: StorageAdapter = {
      name: 'held',
      get: (s, k) => inner.get(s, k),
      set: (s, k, v) => storage.batch([{ op: 'set', store: s, key: k, value: v }]),
      delete: (s, k) => storage.batch([{ op: 'delete', store: s, key: k }]),
      list: (s, o) => inner.list(s, o),
      batch: async (ops) => {
        if (hold && ops.some((o) => o.store === 'outbox')) await new Promise<void>((r) => (held = r))
        return inner.batch(ops)
      },
      clear: () => inner.clear(),
      close: () => inner.close(),
    }
    const c = client(relay, storage)
    await c.connect()
    hold = true
    const sending = c.cloudChat(2).send('hello').catch((e: unknown) => e)
    await until(() => held !== undefined)
    const closing = c.close()
    hold = false
    held!()
    await closing
    expect(await sending).toMatchObject({ code: 'CONNECTION_CLOSED' })
    await new Promise((r) => setTimeout(r, 50))
    expect(relay.conns.length).toBe(1)
    expect(c.state).toBe('closed')
  })
})
