// Two SDK clients against the real relay: cloud and secret chats both ways, receipts, typing,
// delete, history and search — on SQLite, and on PostgreSQL when it is reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Message, StatusEvent, TypingEvent } from '../../../sdk/index.node.js'
import { dbVariants } from '../../helpers/relay.js'
import { collect, harness, until, type Harness } from './harness.js'

for (const db of await dbVariants()) {
  describe(`on ${db}`, () => {
    let h: Harness
    beforeAll(async () => {
      h = await harness({ db })
    })
    afterAll(async () => {
      await h?.close()
    })

    describe('cloud chat between two clients', () => {
      it('sends both ways with receipts up to read, typing, history, search and delete for everyone', async () => {
        const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
        const a = h.client(ua)
        const b = h.client(ub)
        const inbox = collect<Message>(b, 'message')
        const chatA = a.cloudChat(ub.username)
        const statuses = collect<StatusEvent>(chatA, 'status')
        const sent = await chatA.send('hello cloud')
        expect(sent.status).toBe('sent')
        expect(sent.out).toBe(true)
        await b.connect()
        await until(() => inbox.length === 1, 10_000, 'b receives')
        expect(inbox[0]).toMatchObject({ text: 'hello cloud', from: ua.id, out: false, kind: 'cloud' })
        expect(inbox[0].chat.kind).toBe('cloud')
        // b's device acked the update → ✔✔, then b reads → ✅
        await until(() => statuses.some((s) => s.status === 'delivered'), 10_000, 'delivered')
        await inbox[0].chat.markRead()
        await until(() => statuses.some((s) => s.status === 'read'), 10_000, 'read')
        expect(statuses.map((s) => s.status)).toEqual(['sending', 'sent', 'delivered', 'read'])

        const typing = collect<TypingEvent>(chatA, 'typing')
        await b.cloudChat(ua.id).typing()
        await until(() => typing.length > 0, 10_000, 'typing')

        const started = collect<unknown>(a, 'chat')
        const back = collect<Message>(chatA, 'message')
        await b.cloudChat(ua.id).send('hi back')
        await until(() => back.length === 1, 10_000, 'a receives')
        await b.cloudChat(ua.id).send('and again')
        await until(() => back.length === 2, 10_000, 'a receives again')
        expect(started.length).toBe(1) // `chat` once per peer, not per message
        const hist = await chatA.history()
        expect(hist.map((m) => m.text)).toEqual(['hello cloud', 'hi back', 'and again'])
        expect((await chatA.search('BACK')).map((m) => m.text)).toEqual(['hi back'])

        const deleted = collect<{ ids: string[] }>(b.cloudChat(ua.id), 'deleted')
        await chatA.delete(sent.id, { forEveryone: true })
        await until(() => deleted.some((d) => d.ids.includes(sent.id)), 10_000, 'deleted on b')
        expect((await b.cloudChat(ua.id).history()).map((m) => m.text)).toEqual(['hi back', 'and again'])
      })
    })

    describe('secret chat between two clients', () => {
      it('starts while the peer is offline, then runs both ways with ✅, typing, local history/search, delete for everyone', async () => {
        const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
        const b = h.client(ub)
        await b.connect() // publishes b's keys
        await until(async () => (await h.relay.api.get(`/v1/keys/${ub.id}/devices`, { token: ua.token })).body?.devices?.length === 1, 10_000, 'b keys')
        await b.disconnect() // b is offline when a starts the chat

        const a = h.client(ua)
        const chatA = a.secretChat(ub.username)
        const statuses = collect<StatusEvent>(chatA, 'status')
        const m1 = await chatA.send('secret hello')
        expect(m1).toMatchObject({ status: 'sent', kind: 'secret', text: 'secret hello' })
        expect(chatA.state).toBe('initiating')

        const started = collect<unknown>(b, 'chat')
        const inbox = collect<Message>(b, 'message')
        await b.connect()
        await until(() => inbox.length === 1, 10_000, 'b gets the first secret message')
        expect(started.length).toBe(1)
        expect(inbox[0]).toMatchObject({ text: 'secret hello', kind: 'secret', from: ua.id })
        const chatB = inbox[0].chat
        await until(() => statuses.some((s) => s.status === 'delivered'), 10_000, 'delivered')
        await chatB.markRead()
        await until(() => statuses.some((s) => s.status === 'read'), 10_000, 'read')

        const fromB = collect<Message>(chatA, 'message')
        await chatB.send('secret reply')
        await until(() => fromB.length === 1, 10_000, 'a gets the reply')
        await until(() => chatA.state === 'active', 10_000, 'active')

        const typing = collect<TypingEvent>(chatB, 'typing')
        await chatA.typing()
        await until(() => typing.length > 0, 10_000, 'secret typing')

        expect((await chatA.history()).map((m) => m.text)).toEqual(['secret hello', 'secret reply'])
        expect((await chatB.search('HELLO')).map((m) => m.text)).toEqual(['secret hello'])
        const verifyA = await chatA.verify()
        const verifyB = await (chatB as typeof chatA).verify()
        expect(verifyA).toEqual(verifyB)
        expect(verifyA.safetyNumber.replace(/ /g, '')).toMatch(/^\d{60}$/)

        const deleted = collect<{ ids: string[]; by: string }>(chatB, 'deleted')
        await chatA.delete(m1.id, { forEveryone: true })
        await until(() => deleted.length === 1, 10_000, 'deleted on b')
        expect(deleted[0]).toEqual({ ids: [m1.id], by: 'peer' })
        expect((await chatB.history()).map((m) => m.text)).toEqual(['secret reply'])
      })
    })

    describe('over HTTP long-polling only', () => {
      it('exchanges cloud and secret messages with both clients on POST /v1/poll', async () => {
        const { pollTransport } = await import('../../../sdk/index.node.js')
        const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
        const a = h.client(ua, { transport: pollTransport() })
        const b = h.client(ub, { transport: pollTransport() })
        const states = collect<{ to: string; transport?: string }>(a, 'state')
        const inbox = collect<Message>(b, 'message')
        await b.connect()
        await a.cloudChat(ub.id).send('cloud via poll')
        await a.secretChat(ub.id).send('secret via poll')
        await until(() => inbox.length === 2, 15_000, 'b receives over poll')
        expect(inbox.map((m) => `${m.kind}:${m.text}`).sort()).toEqual(['cloud:cloud via poll', 'secret:secret via poll'])
        const back = collect<Message>(a, 'message')
        await inbox.find((m) => m.kind === 'secret')!.chat.send('reply via poll')
        await until(() => back.length === 1, 15_000, 'a receives over poll')
        expect(states.find((s) => s.to === 'online')?.transport).toBe('poll')
      })

      it('falls back to long-polling when WebSocket cannot connect', async () => {
        const { pollTransport, webSocketTransport } = await import('../../../sdk/index.node.js')
        const ua = await h.relay.register()
        // A WebSocket class that always fails, as behind a proxy that strips Upgrade.
        class Broken {
          binaryType = ''
          readyState = 0
          onopen = null
          onmessage = null
          onclose: ((e: { code: number; reason: string }) => void) | null = null
          onerror: ((e: unknown) => void) | null = null
          constructor() {
            setTimeout(() => this.onerror?.({}), 5)
          }
          send() {}
          close() {}
        }
        const a = h.client(ua, { transport: [webSocketTransport(Broken as never), pollTransport()] })
        const states = collect<{ to: string; transport?: string; code: string }>(a, 'state')
        await a.connect()
        expect(states[1]).toMatchObject({ to: 'offline', transport: 'websocket' })
        expect(states.at(-1)).toMatchObject({ to: 'online', transport: 'poll' })
      })
    })
  })
}
