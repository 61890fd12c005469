// Persistence: a client torn down and recreated from its (file) storage resumes its secret chat,
// and what was sent while offline — or whose answer was lost — reaches the peer exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { webSocketTransport, type Message } from '../../../sdk/index.node.js'
import type { Transport } from '../../../sdk/transport/types.js'
import { WebSocket } from 'ws'
import { collect, harness, until, type Harness } from './harness.js'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(async () => {
  await h?.close()
})

/** A WebSocket transport whose relay → client frames can be swallowed (a lost answer). */
function gated(): { transport: Transport; block(on: boolean): void } {
  let blocked = false
  const inner = webSocketTransport(WebSocket as never)
  return {
    block: (on) => (blocked = on),
    transport: {
      name: 'gated',
      connect: (url, hs) => inner.connect(url, { ...hs, frame: (f) => !blocked && hs.frame(f) }),
    },
  }
}

describe('persistence across a reload', () => {
  it('resumes the secret chat and delivers the offline outbox exactly once', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const sa = h.fileStorage()
    const b = h.client(ub)
    const inbox = collect<Message>(b, 'message')
    await b.connect()

    // Session 1: chat both ways.
    let a = h.client(ua, { storage: sa.storage })
    await a.secretChat(ub.username).send('one')
    await until(() => inbox.length === 1, 10_000, 'one')
    await inbox[0].chat.send('two')
    await until(async () => (await a.secretChat(ub.username).history()).length === 2, 10_000, 'two')
    await a.close()

    // Session 2, same storage: the chat goes on where it was (no new key exchange).
    a = h.client(ua, { storage: sa.reopen() })
    expect((await a.secretChat(ub.username).history()).map((m) => m.text)).toEqual(['one', 'two'])
    await a.secretChat(ub.username).send('three')
    await until(() => inbox.length === 2, 10_000, 'three')
    expect(inbox[1].chat).toBe(inbox[0].chat)
    expect(a.secretChat(ub.username).state).toBe('active')

    // Offline: messages queue in the outbox; the client is torn down before it ever connects.
    await a.close()
    const offline: Transport = { name: 'down', connect: (_u, hs) => (queueMicrotask(() => hs.close({ code: 1006, reason: 'offline', opened: false })), { send() {}, close() {} }) }
    a = h.client(ua, { storage: sa.reopen(), transport: offline })
    const p1 = a.secretChat(ub.username).send('offline secret').catch((e: unknown) => e)
    const p2 = a.cloudChat(ub.username).send('offline cloud').catch((e: unknown) => e)
    await until(async () => (await a.pending()) === 2, 10_000, 'queued')
    await a.close()
    // The promises end with the client; the messages stay queued in storage.
    expect(await p1).toMatchObject({ code: 'CONNECTION_CLOSED' })
    expect(await p2).toMatchObject({ code: 'CONNECTION_CLOSED' })

    // A lost answer: the relay stores the next message but the client never hears back.
    const gate = gated()
    a = h.client(ua, { storage: sa.reopen(), transport: gate.transport })
    await a.connect()
    await until(() => inbox.length === 4, 10_000, 'outbox flushed after reload')
    gate.block(true)
    void a.cloudChat(ub.username).send('answer lost').catch(() => undefined)
    await until(() => inbox.length === 5, 10_000, 'stored despite the lost answer')
    await a.close()

    a = h.client(ua, { storage: sa.reopen() })
    await a.connect()
    await until(async () => (await a.pending()) === 0, 10_000, 'outbox empty')
    await new Promise((r) => setTimeout(r, 300))
    // Exactly once each, in order within each chat (the two chats are independent queues).
    expect(inbox.filter((m) => m.kind === 'secret').map((m) => m.text)).toEqual(['one', 'three', 'offline secret'])
    expect(inbox.filter((m) => m.kind === 'cloud').map((m) => m.text)).toEqual(['offline cloud', 'answer lost'])
    const cloud = await a.cloudChat(ub.username).history()
    expect(cloud.map((m) => [m.text, m.status])).toEqual([
      ['offline cloud', expect.stringMatching(/sent|delivered/)],
      ['answer lost', expect.stringMatching(/sent|delivered/)],
    ])
  })
})
