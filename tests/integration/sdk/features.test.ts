// More chat features against the real relay: self-destructing messages, a peer's changed identity
// key surfaced as an event, one-time prekeys replenished when they run low, clearing a chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import type { DeletedEvent, IdentityChangedEvent, Message } from '../../../sdk/index.node.js'
import { DeviceKeys } from '../../../sdk/protocol/secret/index.js'
import { collect, harness, until, type Harness } from './harness.js'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(async () => {
  await h?.close()
})

describe('chat features', () => {
  it('self-destructs a secret message on both sides once read', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    const b = h.client(ub)
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    const chatA = a.secretChat(ub.id)
    const goneA = collect<DeletedEvent>(chatA, 'deleted')
    const m = await chatA.send({ text: 'this will self-destruct', ttl: 1 })
    await chatA.send('this stays')
    await until(() => inbox.length === 2, 10_000, 'delivered')
    expect(inbox[0].ttl).toBe(1)
    const chatB = inbox[0].chat
    const goneB = collect<DeletedEvent>(chatB, 'deleted')
    await new Promise((r) => setTimeout(r, 1200))
    expect(goneB).toEqual([]) // the timer starts when read, not when received
    await chatB.markRead()
    await until(() => goneB.length === 1 && goneA.length === 1, 10_000, 'self-destructed on both sides')
    expect(goneB[0]).toEqual({ ids: [m.id], by: 'ttl' })
    expect(goneA[0]).toEqual({ ids: [m.id], by: 'ttl' })
    expect((await chatA.history()).map((x) => x.text)).toEqual(['this stays'])
    expect((await chatB.history()).map((x) => x.text)).toEqual(['this stays'])
  })

  it('reports a peer device whose identity key changed', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    const b = h.client(ub)
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    await a.cloudChat(ub.id).send('we share a chat')
    await a.secretChat(ub.id).send('and a secret one')
    await until(() => inbox.length === 2, 10_000, 'delivered')
    const changed = collect<IdentityChangedEvent>(a, 'identityChanged')
    const onChat = collect<IdentityChangedEvent>(a.secretChat(ub.id), 'identityChanged')
    // Someone publishes other keys for b's device (a reinstall, or an attacker with b's password).
    const { deviceId } = await b.me()
    const other = await DeviceKeys.generate(nodeProvider, { oneTimePrekeys: 5 })
    const res = await h.relay.api.request('PUT', '/v1/keys', { token: ub.token, body: other.publicBundle(deviceId) })
    expect(res.status).toBe(200)
    await until(() => changed.length === 1, 10_000, 'identityChanged')
    expect(changed[0]).toMatchObject({ peer: ub.id, deviceId })
    expect(changed[0].current).toEqual(other.identityKey)
    expect(changed[0].previous).not.toEqual(other.identityKey)
    expect(onChat.length).toBe(1)
  })

  it('replenishes one-time prekeys when the relay says they run low', async () => {
    const [ub, uc] = await Promise.all([h.relay.register(), h.relay.register()])
    const b = h.client(ub)
    await b.connect()
    await until(async () => (await h.relay.api.get(`/v1/keys/${ub.id}/devices`, { token: uc.token })).body?.devices?.length === 1, 10_000, 'published')
    const fetchBundle = async () => (await h.relay.api.get(`/v1/keys/${ub.id}`, { token: uc.token })).body as { one_time_prekey?: unknown }
    for (let i = 0; i < 95; i++) await fetchBundle() // 100 published → 5 left: below the relay's low mark
    await new Promise((r) => setTimeout(r, 1000))
    let withPrekey = 0
    for (let i = 0; i < 20; i++) if ((await fetchBundle()).one_time_prekey) withPrekey++
    expect(withPrekey).toBe(20) // without replenishing only 5 would have one
  })

  it('clears a secret chat for both sides', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    const b = h.client(ub)
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    const chat = a.secretChat(ub.id)
    await chat.send('one')
    await chat.send('two')
    await until(() => inbox.length === 2, 10_000, 'delivered')
    const cleared = collect<DeletedEvent>(inbox[0].chat, 'deleted')
    await chat.clear({ forEveryone: true })
    await until(() => cleared.length === 1, 10_000, 'cleared')
    expect(cleared[0]).toMatchObject({ by: 'peer', all: true })
    expect(await chat.history()).toEqual([])
    expect(await inbox[0].chat.history()).toEqual([])
  })

  it('asks the token provider again when the relay revokes the session token, and comes back online', async () => {
    const ua = await h.relay.register()
    const asked: boolean[] = []
    let current = ua.token
    const a = h.client(ua, { token: ({ refresh }) => (asked.push(refresh), current) })
    const states = collect<{ to: string; code: string }>(a, 'state')
    await a.connect()
    // The session token is revoked (logout elsewhere); a fresh one comes from signing in again.
    const login = await h.relay.api.post('/v1/auth/login', { login: ua.username, password: ua.password })
    await h.relay.api.post('/v1/auth/logout', undefined, { token: ua.token })
    current = login.body.token
    await a.disconnect()
    await a.connect() // the stale token is refused; the provider is asked with refresh: true
    expect(asked).toContain(true)
    expect(states.at(-1)).toMatchObject({ to: 'online' })
    expect((await a.me()).userId).toBe(ua.id)
  })

  it('reports presence of watched users', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    const presence = collect<{ userId: number; online: boolean }>(a, 'presence')
    await a.connect()
    expect(await a.watchPresence([ub.username])).toEqual([expect.objectContaining({ userId: ub.id, online: false })])
    const b = h.client(ub)
    await b.connect()
    await until(() => presence.some((p) => p.userId === ub.id && p.online), 10_000, 'online')
    await b.disconnect()
    await until(() => presence.some((p) => p.userId === ub.id && !p.online), 10_000, 'offline')
  })
})
