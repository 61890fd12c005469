// Re-keying (docs/PROTOCOL.md §4.6) through the real relay: after 100 messages the chat switches
// to a fresh key on both sides while both keep sending; messages encrypted under the old key that
// arrive after the switch still decrypt, everything arrives once and in order, and afterwards the
// old key is in no file of either device.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatStateEvent, Message, RekeyedEvent, SecretChat } from '../../../sdk/index.node.js'
import type { StorageAdapter } from '../../../sdk/storage/types.js'
import { collect, harness, until, type Harness } from './harness.js'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(async () => {
  await h?.close()
})

type Keys = { current: { key: string }; previous: unknown }
async function keysOf(storage: StorageAdapter): Promise<Keys> {
  const [rec] = await storage.list<{ session: { keys: Keys } } & Record<string, never>>('secret')
  return rec.value.session.keys
}

const filesText = (dir: string) => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')

/** Everything one side of the chat saw, in order. */
function watch(chat: SecretChat) {
  const w = {
    chat,
    /** Ids in the order this side encrypted them. */
    encrypted: [] as string[],
    /** Messages received, in order. */
    received: [] as Message[],
    /** received.length when this side switched keys. */
    receivedAtSwitch: -1,
    /** Ids of the messages this side sent while it had accepted a re-key but not switched yet. */
    inFlight: [] as Promise<Message>[],
    rekeyed: collect<RekeyedEvent>(chat, 'rekeyed'),
  }
  chat.on('status', (s) => s.status === 'sending' && w.encrypted.push(s.id))
  chat.on('message', (m) => w.received.push(m))
  chat.on('rekeyed', () => (w.receivedAtSwitch = w.received.length))
  chat.on('state', (s: ChatStateEvent) => {
    // We accepted the peer's requestKey (or lost a simultaneous start to it): the peer switches as soon as it reads our acceptKey, we
    // only on its commitKey. What we send now is under the old key and reaches a switched peer.
    if (s.to === 'rekeying' && (s.code === 'rekey_accepted' || s.code === 'rekey_conflict_lost'))
      for (let i = 0; i < 5; i++) w.inFlight.push(chat.send(`in flight ${i}`))
  })
  return w
}

describe('re-keying', () => {
  it('switches keys after 100 messages with traffic in flight both ways; the old key is gone', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const sa = h.fileStorage()
    const sb = h.fileStorage()
    const a = h.client(ua, { storage: sa.storage })
    const b = h.client(ub, { storage: sb.storage })
    const first = collect<Message>(b, 'message')
    await b.connect()
    const A = watch(a.secretChat(ub.id))
    await A.chat.send('start')
    await until(() => first.length === 1, 10_000, 'start')
    const B = watch(first[0].chat as SecretChat)
    await B.chat.send('ready')
    await until(() => A.received.length === 1, 10_000, 'ready')
    const oldKey = (await keysOf(sa.storage)).current.key
    expect((await keysOf(sb.storage)).current.key).toBe(oldKey)

    const N = 60
    const sends: Promise<unknown>[] = []
    for (let i = 0; i < N; i++) {
      sends.push(A.chat.send(`a${i}`), B.chat.send(`b${i}`))
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20)) // let the exchange interleave
    }
    await Promise.all(sends)
    await until(() => A.rekeyed.length >= 1 && B.rekeyed.length >= 1, 20_000, 'rekeyed on both sides')
    expect(A.rekeyed[0].fingerprint).toEqual(B.rekeyed[0].fingerprint)
    const acceptor = A.inFlight.length ? A : B
    const requester = acceptor === A ? B : A
    expect(acceptor.inFlight.length).toBe(5)
    const inFlight = await Promise.all(acceptor.inFlight)

    // Everything arrives exactly once, in the order its sender encrypted it.
    // (B started watching after A's first message, which it got before.)
    const fromA = A.encrypted.slice(1)
    await until(() => A.received.length === B.encrypted.length && B.received.length === fromA.length, 30_000, 'all delivered')
    expect(B.received.map((m) => m.id)).toEqual(fromA)
    expect(A.received.map((m) => m.id)).toEqual(B.encrypted)
    // The acceptor's old-key messages reached the requester after the requester had switched.
    const firstInFlight = requester.received.findIndex((m) => m.id === inFlight[0].id)
    expect(requester.receivedAtSwitch).toBeGreaterThan(0)
    expect(firstInFlight).toBeGreaterThanOrEqual(requester.receivedAtSwitch)

    // A little more traffic acknowledges everything sent under the old key; then it is retired.
    await A.chat.send('after')
    await B.chat.send('after too')
    await until(async () => (await keysOf(sa.storage)).previous === null && (await keysOf(sb.storage)).previous === null, 20_000, 'old key retired')
    expect((await keysOf(sa.storage)).current.key).not.toBe(oldKey)
    await until(() => !filesText(sa.path).includes(oldKey) && !filesText(sb.path).includes(oldKey), 10_000, 'old key out of the files')
    expect(A.chat.state).toBe('active')
  }, 90_000)
})
