// Secret chats through a hostile relay (hostile-relay.ts, a layer-1 man in the middle in front
// of the real relay): duplicated, reordered, dropped and replayed envelopes; a forged envelope
// with the wrong seq parity. Nothing is delivered twice or out of order, gaps are repaired by
// the secret layer's resend, and a parity violation aborts the chat with SECRET_BAD_PARITY.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import type { AbortedEvent, Message } from '../../../sdk/index.node.js'
import { sealEnvelope } from '../../../sdk/protocol/secret/index.js'
import { encodePayload } from '../../../sdk/protocol/secret/payload.js'
import type { Update } from '../../../sdk/protocol/schemas/updates.js'
import { fromBase64, toHex } from '../../../sdk/util/bytes.js'
import { collect, harness, until, type Harness } from './harness.js'
import { HostileRelay } from './hostile-relay.js'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(async () => {
  await h?.close()
})

type SecretUpdate = Extract<Update, { _: 'update.secret' }>

describe('secret chat through a hostile relay', () => {
  it('drops duplicates and replays, repairs reordering and a dropped envelope, delivers each message once in order', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    let held: SecretUpdate | undefined
    let dropped: SecretUpdate | undefined
    const proxy = await HostileRelay.start(h.relay.url, h.relay.relay.serverKey.publicKey, (u, n) => {
      if (n === 3) return [u, u] // duplicate
      if (n === 5) return ((held = u), []) // hold …
      if (n === 6) return [u, held!] // … and deliver after the next (reorder)
      if (n === 8) return ((dropped = u), []) // drop (acked upstream: the relay forgets it)
      if (n === 11) return [u, proxy.seen[2]] // replay envelope 3
      return [u]
    })
    try {
      const a = h.client(ua)
      const b = h.client(ub, { serverKey: Buffer.from(proxy.publicKey).toString('base64'), transport: proxy.transport() })
      const inbox = collect<Message>(b, 'message')
      await b.connect()
      const chat = a.secretChat(ub.id)
      const texts = Array.from({ length: 15 }, (_, i) => `m${i}`)
      for (const t of texts) await chat.send(t)
      await until(() => inbox.length >= texts.length, 30_000, 'all delivered')
      await new Promise((r) => setTimeout(r, 500)) // room for any late duplicate
      expect(inbox.map((m) => m.text)).toEqual(texts)
      expect(new Set(inbox.map((m) => m.id)).size).toBe(texts.length)
      expect(proxy.seen.length).toBeGreaterThan(texts.length + 1) // the policy really ran
      // The dropped envelope came again: the same bytes, re-sent by A on B's resend request.
      const again = proxy.seen.filter((u) => u.envelope.random_id === dropped!.envelope.random_id)
      expect(again.length).toBeGreaterThanOrEqual(2)
      expect(again[1].envelope.data).toEqual(dropped!.envelope.data)
    } finally {
      await proxy.close()
    }
  }, 60_000)

  it('aborts the chat with SECRET_BAD_PARITY on an authentic envelope with the wrong seq parity', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const proxy = await HostileRelay.start(h.relay.url, h.relay.relay.serverKey.publicKey, (u) => [u])
    try {
      const a = h.client(ua)
      const b = h.client(ub, { serverKey: Buffer.from(proxy.publicKey).toString('base64'), transport: proxy.transport() })
      const inbox = collect<Message>(b, 'message')
      await b.connect()
      await a.secretChat(ub.id).send('hello')
      await until(() => inbox.length === 1, 10_000, 'hello')
      const chatB = inbox[0].chat
      const aborted = collect<AbortedEvent>(chatB, 'aborted')

      // A payload only A's key could have made (so it authenticates), but with out_seq_no of the
      // responder's parity: the initiator's are odd (§4.4).
      const [rec] = await a.storage.list<{ chatId: string; session: { keys: { current: { key: string; fingerprint: string } }; seq: { out: number; in: number } } } & Record<string, never>>('secret')
      const { key, fingerprint } = rec.value.session.keys.current
      const { out, in: inn } = rec.value.session.seq
      const randomId = toHex(nodeProvider.randomBytes(8))
      const payload = encodePayload({
        layer: 1,
        random_id: randomId,
        random_bytes: nodeProvider.randomBytes(16),
        in_seq_no: 2 * inn,
        out_seq_no: 2 * out, // even: wrong for the initiator
        message: { _: 'text', text: 'forged parity' },
      })
      const data = sealEnvelope(nodeProvider, fromBase64(key), fromBase64(fingerprint), 0, payload)
      const me = await a.me()
      proxy.inject({
        _: 'update.secret',
        pts: 0,
        envelope: { id: 999_999, from: ua.id, from_device: me.deviceId, chat_id: rec.value.chatId, random_id: randomId, data, date: Date.now() },
      })
      await until(() => aborted.length === 1, 10_000, 'aborted')
      expect(aborted[0].code).toBe('SECRET_BAD_PARITY')
      expect(inbox.map((m) => m.text)).toEqual(['hello'])
      await expect(chatB.send('still there?')).rejects.toMatchObject({ code: 'SECRET_ABORTED' })
    } finally {
      await proxy.close()
    }
  })
})
