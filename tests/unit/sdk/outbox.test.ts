// The persisted outbox on the fake relay: queued while offline and sent in order once online,
// removed in the batch that records the answer, failed for good on a permanent error, retried on
// a transient one.
import { afterEach, describe, expect, it } from 'vitest'
import { clientCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { MtChatError } from '../../../sdk/errors.js'
import { Outbox, type OutboxHooks } from '../../../sdk/client/outbox.js'
import { Tx } from '../../../sdk/client/tx.js'
import type { OutboxEntry } from '../../../sdk/client/stores.js'
import { memoryStorage } from '../../../sdk/storage/memory.js'
import { Connection } from '../../../sdk/transport/connection.js'
import { FakeRelay } from './fake-relay.js'

const open: Connection[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.stop()
})

const until = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const start = Date.now()
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

function setup(relay: FakeRelay) {
  const storage = memoryStorage()
  const conn = new Connection({ url: 'http://relay.test', serverKey: relay.publicKey, provider: clientCryptoOf(nobleProvider), transports: [relay.transport()], token: 't' })
  open.push(conn)
  const sent: { entry: OutboxEntry; result: unknown }[] = []
  const failed: { entry: OutboxEntry; error: MtChatError }[] = []
  const hooks: OutboxHooks = {
    sent: (entry, result, tx) => void (sent.push({ entry, result }), tx.set('log', (entry as { id: string }).id, 'sent')),
    failed: (entry, error) => void failed.push({ entry, error }),
    error: () => {},
  }
  const outbox = new Outbox(storage, conn, hooks)
  const add = async (id: string) => {
    const tx = new Tx()
    await outbox.add(tx, { kind: 'cloud', id, historyKey: `h:${id}`, params: { peer: 2, random_id: id, text: id } })
    await tx.commit(storage)
  }
  return { storage, conn, outbox, sent, failed, add }
}

const send = (id: string, p: Record<string, unknown>) => ({
  message: { id: Number.parseInt(id.slice(-4), 16) + 1, random_id: id, from: 1, to: 2, date: 1, text: p.text as string, status: 'sent' as const },
  pts: 1,
})

describe('Outbox', () => {
  it('keeps entries while offline, connects lazily, sends in order, removes each with its answer', async () => {
    const relay = new FakeRelay()
    const order: string[] = []
    relay.handlers['messages.send'] = (p) => (order.push(p.random_id as string), send(p.random_id as string, p))
    const { storage, conn, outbox, sent, add } = setup(relay)
    const ids = Array.from({ length: 10 }, (_, i) => `00000000000000${String(i).padStart(2, '0')}`)
    for (const id of ids) await add(id)
    expect(conn.state).not.toBe('idle') // the first add started the connection
    await until(() => sent.length === ids.length)
    expect(order).toEqual(ids)
    expect(await outbox.pending()).toEqual([])
    expect((await storage.list('log')).map((e) => e.key)).toEqual(ids) // the hooks' writes committed with the removals
  })

  it('fails an entry for good on a permanent error and keeps going', async () => {
    const relay = new FakeRelay()
    relay.handlers['messages.send'] = (p) => {
      if (p.random_id === '00000000000000bb') throw new MtChatError('FORBIDDEN', 'blocked')
      return send(p.random_id as string, p)
    }
    const { outbox, sent, failed, add } = setup(relay)
    await add('00000000000000aa')
    await add('00000000000000bb')
    await add('00000000000000cc')
    await until(() => sent.length + failed.length === 3)
    expect(failed.map((f) => [(f.entry as { id: string }).id, f.error.code])).toEqual([['00000000000000bb', 'FORBIDDEN']])
    expect(sent.map((s) => (s.entry as { id: string }).id)).toEqual(['00000000000000aa', '00000000000000cc'])
    expect(await outbox.pending()).toEqual([])
  })

  it('retries after RATE_LIMITED, waiting retry_after', async () => {
    const relay = new FakeRelay()
    let calls = 0
    relay.handlers['messages.send'] = (p) => {
      if (calls++ === 0) throw new MtChatError('RATE_LIMITED', 'slow', { details: { retryAfter: 1 } })
      return send(p.random_id as string, p)
    }
    const { sent, failed, add, outbox } = setup(relay)
    const t = Date.now()
    await add('00000000000000dd')
    await until(() => sent.length === 1, 5000)
    expect(Date.now() - t).toBeGreaterThanOrEqual(900)
    expect(failed).toEqual([])
    expect(calls).toBe(2)
    expect(await outbox.pending()).toEqual([])
  })
})
