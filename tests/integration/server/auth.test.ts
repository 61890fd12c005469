/**
 * Accounts over HTTP (issue 4 "Accounts"): register, login, logout/revocation, expiry, lockout per
 * account and per IP, rate limits, and the response shape of every failure. Runs on SQLite and,
 * when reachable, PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbVariants, startRelay, uniqueName, type TestRelay } from '../../helpers/relay.js'

const variants = await dbVariants()

describe.each(variants)('accounts on %s', (db) => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ db })
  })
  afterAll(() => t.close())

  describe('register', () => {
    it('creates an account and signs it in (201, token, no password in the answer)', async () => {
      const name = uniqueName('Reg')
      const res = await t.api.post('/v1/auth/register', { username: name, password: 'long enough pw', display_name: 'Reg Ister' })
      expect(res.status).toBe(201)
      expect(res.body.token).toMatch(/^mts_[A-Za-z0-9_-]{43}$/)
      expect(res.body.expires_at).toBe(t.clock.now() + 30 * 86_400_000)
      expect(res.body.user).toMatchObject({ username: name.toLowerCase(), display_name: 'Reg Ister', verified: true, totp_enabled: false })
      expect(res.text).not.toContain('long enough pw')
      expect(res.text).not.toContain('scrypt')
      const me = await t.api.get('/v1/me', { token: res.body.token })
      expect(me.status).toBe(200)
      expect(me.body.id).toBe(res.body.user.id)
    })

    it('accepts email or phone instead of a username, and shows them only to the owner', async () => {
      const email = `${uniqueName('e')}@Example.com`
      const a = await t.api.post('/v1/auth/register', { email, password: 'long enough pw' })
      expect(a.status).toBe(201)
      expect(a.body.user.email).toBe(email.toLowerCase())
      const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`
      const b = await t.api.post('/v1/auth/register', { phone, password: 'long enough pw' })
      expect(b.status).toBe(201)
      const seenByB = await t.api.get(`/v1/users/${a.body.user.id}`, { token: b.body.token })
      expect(seenByB.status).toBe(200)
      expect(seenByB.body.email).toBeUndefined()
      expect(seenByB.body.phone).toBeUndefined()
      const login = await t.api.post('/v1/auth/login', { login: email.toUpperCase(), password: 'long enough pw' })
      expect(login.status).toBe(200)
      expect(login.body.user.id).toBe(a.body.user.id)
    })

    it.each([
      ['a bad username', { username: '1abc', password: 'long enough pw' }, 'body.username'],
      ['a short password', { username: 'okname', password: 'short' }, 'body.password'],
      ['an invalid email', { email: 'not-an-email', password: 'long enough pw' }, 'body.email'],
      ['a non-E.164 phone', { phone: '555-1234', password: 'long enough pw' }, 'body.phone'],
      ['an unknown field', { username: 'okname', password: 'long enough pw', admin: true }, 'body'],
      ['no login name', { password: 'long enough pw' }, 'username'],
      ['a non-object body', [1, 2], 'body'],
    ])('rejects %s with 400 BAD_REQUEST', async (_what, body, field) => {
      const res = await t.api.post('/v1/auth/register', body)
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('BAD_REQUEST')
      expect(res.body.error.message).toContain(field)
    })

    it('rejects invalid JSON with 400 and a body over the limit with 413', async () => {
      const bad = await t.api.request('POST', '/v1/auth/register', { body: '{"username": ', contentType: 'application/json' })
      expect(bad.status).toBe(400)
      expect(bad.body.error.code).toBe('BAD_REQUEST')
      const big = await t.api.post('/v1/auth/register', { username: 'x'.repeat(300_000), password: 'long enough pw' })
      expect(big.status).toBe(413)
      expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE')
    })

    it('rejects a taken username (case-insensitive), email or phone with 409 CONFLICT', async () => {
      const name = uniqueName('dup')
      expect((await t.api.post('/v1/auth/register', { username: name, password: 'long enough pw' })).status).toBe(201)
      const again = await t.api.post('/v1/auth/register', { username: name.toUpperCase(), password: 'another pw 123' })
      expect(again.status).toBe(409)
      expect(again.body.error).toEqual({ code: 'CONFLICT', message: 'this username is taken' })
      const email = `${uniqueName('d')}@example.org`
      expect((await t.api.post('/v1/auth/register', { email, password: 'long enough pw' })).status).toBe(201)
      const dupEmail = await t.api.post('/v1/auth/register', { email, password: 'long enough pw' })
      expect(dupEmail.status).toBe(409)
      expect(dupEmail.body.error.code).toBe('CONFLICT')
    })
  })

  describe('login and sessions', () => {
    it('logs in with the password and answers a wrong password and an unknown login alike', async () => {
      const u = await t.register()
      const ok = await t.api.post('/v1/auth/login', { login: u.username, password: u.password }, { ip: '10.1.0.1' })
      expect(ok.status).toBe(200)
      expect(ok.body.user.id).toBe(u.id)
      expect(ok.body.token).not.toBe(u.token)
      const wrong = await t.api.post('/v1/auth/login', { login: u.username, password: 'wrong password' }, { ip: '10.1.0.2' })
      const unknown = await t.api.post('/v1/auth/login', { login: uniqueName('nobody'), password: 'wrong password' }, { ip: '10.1.0.3' })
      expect(wrong.status).toBe(401)
      expect(unknown.status).toBe(401)
      expect(wrong.body).toEqual(unknown.body)
      expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS')
    })

    it('needs a bearer token: missing, malformed and unknown tokens get 401 with WWW-Authenticate', async () => {
      const variants: Array<Record<string, string>> = [{}, { authorization: 'Basic abc' }, { authorization: `Bearer mts_${'A'.repeat(43)}` }, { authorization: 'Bearer garbage' }]
      for (const headers of variants) {
        const res = await t.api.get('/v1/me', { headers })
        expect(res.status).toBe(401)
        expect(res.body.error.code).toBe('UNAUTHORIZED')
        expect(res.headers.get('www-authenticate')).toContain('Bearer')
      }
    })

    it('revokes the token on logout; other sessions of the user stay valid', async () => {
      const u = await t.register()
      const second = (await t.api.post('/v1/auth/login', { login: u.username, password: u.password }, { ip: '10.1.1.1' })).body.token as string
      expect((await t.api.post('/v1/auth/logout', undefined, { token: u.token })).status).toBe(204)
      const after = await t.api.get('/v1/me', { token: u.token })
      expect(after.status).toBe(401)
      expect(after.body.error).toEqual({ code: 'UNAUTHORIZED', message: 'the session was revoked' })
      expect((await t.api.get('/v1/me', { token: second })).status).toBe(200)
      expect((await t.api.post('/v1/auth/logout')).status).toBe(401)
    })

    it('expires sessions after their lifetime', async () => {
      const u = await t.register()
      expect((await t.api.get('/v1/me', { token: u.token })).status).toBe(200)
      t.clock.advance(30 * 86_400_000 + 1000)
      const res = await t.api.get('/v1/me', { token: u.token })
      expect(res.status).toBe(401)
      expect(res.body.error.message).toBe('the session expired')
    })
  })

  describe('brute force', () => {
    it('locks an account after 5 failures: the 6th attempt gets 429 with Retry-After, even with the right password', async () => {
      const u = await t.register()
      for (let i = 0; i < 5; i++) {
        const res = await t.api.post('/v1/auth/login', { login: u.username, password: `guess ${i}` }, { ip: `10.2.${i}.1` })
        expect(res.status).toBe(401)
      }
      const sixth = await t.api.post('/v1/auth/login', { login: u.username, password: u.password }, { ip: '10.2.9.1' })
      expect(sixth.status).toBe(429)
      expect(sixth.body.error.code).toBe('RATE_LIMITED')
      expect(Number(sixth.headers.get('retry-after'))).toBe(900)
      expect(sixth.body.error.retry_after).toBe(900)
      // Another login name of the same account does not buy more guesses.
      t.clock.advance(10 * 60_000)
      const later = await t.api.post('/v1/auth/login', { login: u.username.toUpperCase(), password: u.password }, { ip: '10.2.9.2' })
      expect(later.status).toBe(429)
      expect(Number(later.headers.get('retry-after'))).toBe(300)
      t.clock.advance(5 * 60_000)
      const unlocked = await t.api.post('/v1/auth/login', { login: u.username, password: u.password }, { ip: '10.2.9.3' })
      expect(unlocked.status).toBe(200)
    })

    it('checks at most 5 passwords of an account even when the guesses arrive at once', async () => {
      const u = await t.register()
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.api.post('/v1/auth/login', { login: u.username, password: `burst ${i}` }, { ip: `10.5.${i}.1` })))
      expect(answers.filter((r) => r.status === 401)).toHaveLength(5)
      expect(answers.filter((r) => r.status === 429)).toHaveLength(7)
    })

    it('locks an IP after 5 failures across accounts, also for valid credentials of another account', async () => {
      const victim = await t.register()
      const ip = '10.3.3.3'
      for (let i = 0; i < 5; i++) {
        const res = await t.api.post('/v1/auth/login', { login: uniqueName('ghost'), password: 'nope nope' }, { ip })
        expect(res.status).toBe(401)
      }
      const blocked = await t.api.post('/v1/auth/login', { login: victim.username, password: victim.password }, { ip })
      expect(blocked.status).toBe(429)
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
      const elsewhere = await t.api.post('/v1/auth/login', { login: victim.username, password: victim.password }, { ip: '10.3.3.4' })
      expect(elsewhere.status).toBe(200)
    })

    it('forgets failures after the window', async () => {
      const u = await t.register()
      for (let i = 0; i < 4; i++) await t.api.post('/v1/auth/login', { login: u.username, password: 'bad guess' }, { ip: `10.4.${i}.1` })
      t.clock.advance(16 * 60_000)
      for (let i = 0; i < 4; i++) {
        const res = await t.api.post('/v1/auth/login', { login: u.username, password: 'bad guess' }, { ip: `10.4.${i}.2` })
        expect(res.status).toBe(401)
      }
      expect((await t.api.post('/v1/auth/login', { login: u.username, password: u.password }, { ip: '10.4.9.9' })).status).toBe(200)
    })
  })
})

describe('account endpoint rate limit', () => {
  it('answers 429 with Retry-After once an IP exceeds MT_RATE_AUTH per minute', async () => {
    const t = await startRelay({ rateAuth: 3 })
    try {
      for (let i = 0; i < 3; i++) expect((await t.api.post('/v1/auth/register', { username: uniqueName('rl'), password: 'long enough pw' }, { ip: '10.9.9.9' })).status).toBe(201)
      const limited = await t.api.post('/v1/auth/register', { username: uniqueName('rl'), password: 'long enough pw' }, { ip: '10.9.9.9' })
      expect(limited.status).toBe(429)
      expect(limited.body.error.code).toBe('RATE_LIMITED')
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect((await t.api.post('/v1/auth/register', { username: uniqueName('rl'), password: 'long enough pw' }, { ip: '10.9.9.8' })).status).toBe(201)
      t.clock.advance(61_000)
      expect((await t.api.post('/v1/auth/register', { username: uniqueName('rl'), password: 'long enough pw' }, { ip: '10.9.9.9' })).status).toBe(201)
    } finally {
      await t.close()
    }
  })
})
