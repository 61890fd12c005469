/**
 * `/v1/me` and `/v1/users` (docs/PROTOCOL.md §3 User/Presence, §6): search and list with a
 * cursor, profiles by id or username, presence and last seen fed through the presence interface
 * the gateway uses, and the privacy of email/phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbVariants, startRelay, uniqueName, type TestRelay, type TestUser } from '../../helpers/relay.js'

const variants = await dbVariants()

describe.each(variants)('users on %s', (db) => {
  let t: TestRelay
  let me: TestUser
  beforeAll(async () => {
    t = await startRelay({ db })
    me = await t.register()
  })
  afterAll(() => t.close())

  it('searches by username prefix and display-name substring, paging with a cursor', async () => {
    const tag = uniqueName('zq').slice(0, 10).toLowerCase()
    const made: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await t.api.post('/v1/auth/register', { username: `${tag}_${i}`, password: 'long enough pw', display_name: `Person ${i}` })
      made.push(res.body.user.id)
    }
    const named = await t.api.post('/v1/auth/register', { username: uniqueName('other'), password: 'long enough pw', display_name: `The ${tag.toUpperCase()} fan` })
    const page1 = await t.api.get(`/v1/users?q=${tag}&limit=4`, { token: me.token })
    expect(page1.status).toBe(200)
    expect(page1.body.users.map((u: { id: number }) => u.id)).toEqual(made.slice(0, 4))
    expect(page1.body.next_cursor).toBe(made[3])
    const page2 = await t.api.get(`/v1/users?q=${tag}&limit=4&cursor=${page1.body.next_cursor}`, { token: me.token })
    expect(page2.body).toEqual({ users: [expect.objectContaining({ id: made[4] }), expect.objectContaining({ id: named.body.user.id })] })
    expect(page1.body.users[0]).toEqual({ id: made[0], username: `${tag}_0`, display_name: 'Person 0', online: false })
    // LIKE wildcards are literal.
    expect((await t.api.get('/v1/users?q=%25', { token: me.token })).body.users).toEqual([])
  })

  it('finds email and phone only by exact match and never shows them to others', async () => {
    const email = `${uniqueName('find')}@example.com`
    const res = await t.api.post('/v1/auth/register', { email, password: 'long enough pw' })
    const exact = await t.api.get(`/v1/users?q=${encodeURIComponent(email)}`, { token: me.token })
    expect(exact.body.users).toEqual([{ id: res.body.user.id, online: false }])
    const prefix = await t.api.get(`/v1/users?q=${encodeURIComponent(email.slice(0, 8))}`, { token: me.token })
    expect(prefix.body.users.some((u: { id: number }) => u.id === res.body.user.id)).toBe(false)
    const own = await t.api.get('/v1/me', { token: res.body.token })
    expect(own.body).toEqual({ id: res.body.user.id, email, verified: true, totp_enabled: false })
  })

  it('gets a profile by id or username; unknown users are 404 PEER_NOT_FOUND', async () => {
    const u = await t.register()
    expect((await t.api.get(`/v1/users/${u.id}`, { token: me.token })).body).toEqual({ id: u.id, username: u.username.toLowerCase(), online: false })
    expect((await t.api.get(`/v1/users/${u.username}`, { token: me.token })).body.id).toBe(u.id)
    const missing = await t.api.get('/v1/users/99999999', { token: me.token })
    expect([missing.status, missing.body.error.code]).toEqual([404, 'PEER_NOT_FOUND'])
    expect((await t.api.get('/v1/users/no%20such', { token: me.token })).status).toBe(400)
    expect((await t.api.get('/v1/users?limit=500', { token: me.token })).status).toBe(400)
    expect((await t.api.get('/v1/users')).status).toBe(401)
  })

  it('reports presence and last seen as the gateway feeds them', async () => {
    const u = await t.register()
    const presence = t.relay.services.presence
    const changes: unknown[] = []
    const listener = (p: unknown) => changes.push(p)
    presence.on('change', listener)
    expect((await t.api.get(`/v1/users/${u.id}/status`, { token: me.token })).body).toEqual({ user_id: u.id, online: false })
    presence.connected(u.id)
    presence.connected(u.id)
    expect((await t.api.get(`/v1/users/${u.id}/status`, { token: me.token })).body).toEqual({ user_id: u.id, online: true })
    await presence.disconnected(u.id)
    expect((await t.api.get(`/v1/users/${u.id}`, { token: me.token })).body.online).toBe(true)
    t.clock.advance(5000)
    await presence.disconnected(u.id)
    presence.off('change', listener)
    const seen = t.clock.now()
    expect((await t.api.get(`/v1/users/${u.id}/status`, { token: me.token })).body).toEqual({ user_id: u.id, online: false, last_seen: seen })
    expect((await t.api.get(`/v1/users/${u.id}`, { token: me.token })).body).toMatchObject({ online: false, last_seen: seen })
    expect(changes).toEqual([{ user_id: u.id, online: true }, { user_id: u.id, online: false, last_seen: seen }])
    expect((await t.api.get('/v1/users/424242/status', { token: me.token })).status).toBe(404)
  })
})
