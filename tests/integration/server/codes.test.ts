/**
 * One-time codes and TOTP over HTTP (issue 4): password reset with a code (expiry on an injected
 * clock, single use, 5-attempt limit, resend throttle, sessions revoked), email verification at
 * registration, TOTP enrolment and login. Codes travel through the real webhook sender to a real
 * HTTP receiver.
 */
import { createServer, type Server } from 'node:net'
import * as OTPAuth from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbVariants, startRelay, uniqueName, type TestRelay } from '../../helpers/relay.js'

const variants = await dbVariants()

function totpCode(secret: string, at: number): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at })
}

describe.each(variants)('one-time codes on %s', (db) => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ db })
  })
  afterAll(() => t.close())

  async function emailUser(): Promise<{ email: string; password: string; token: string; id: number }> {
    const email = `${uniqueName('m')}@example.com`
    const res = await t.api.post('/v1/auth/register', { email, password: 'first password' })
    expect(res.status).toBe(201)
    return { email, password: 'first password', token: res.body.token, id: res.body.user.id }
  }

  it('resets a password with the code: old password and every session stop working', async () => {
    const u = await emailUser()
    const since = t.codes.received.length
    const req = await t.api.post('/v1/auth/otp', { login: u.email })
    expect(req.status).toBe(202)
    const msg = await t.codes.next(u.email, since)
    expect(msg).toMatchObject({ channel: 'email', to: u.email, purpose: 'reset', user_id: u.id })
    expect(msg.code).toMatch(/^\d{6}$/)
    expect(msg.expires_at).toBe(t.clock.now() + 10 * 60_000)

    const reset = await t.api.post('/v1/auth/reset', { login: u.email, code: msg.code, password: 'second password' })
    expect(reset.status).toBe(204)
    expect((await t.api.get('/v1/me', { token: u.token })).status).toBe(401)
    expect((await t.api.post('/v1/auth/login', { login: u.email, password: 'first password' }, { ip: '10.20.0.1' })).status).toBe(401)
    expect((await t.api.post('/v1/auth/login', { login: u.email, password: 'second password' }, { ip: '10.20.0.2' })).status).toBe(200)

    const reuse = await t.api.post('/v1/auth/reset', { login: u.email, code: msg.code, password: 'third password' })
    expect(reuse.status).toBe(400)
    expect(reuse.body.error.code).toBe('OTP_INVALID')
  })

  it('expires a code after 10 minutes', async () => {
    const u = await emailUser()
    const since = t.codes.received.length
    await t.api.post('/v1/auth/otp', { login: u.email })
    const { code } = await t.codes.next(u.email, since)
    t.clock.advance(10 * 60_000)
    const res = await t.api.post('/v1/auth/reset', { login: u.email, code, password: 'second password' })
    expect(res.status).toBe(400)
    expect(res.body.error).toEqual({ code: 'OTP_INVALID', message: 'the code expired; request a new one' })
    expect((await t.api.post('/v1/auth/login', { login: u.email, password: u.password }, { ip: '10.20.1.1' })).status).toBe(200)
  })

  it('kills a code after 5 wrong attempts, even if the 6th is right', async () => {
    const u = await emailUser()
    const since = t.codes.received.length
    await t.api.post('/v1/auth/otp', { login: u.email })
    const { code } = await t.codes.next(u.email, since)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) {
      const res = await t.api.post('/v1/auth/reset', { login: u.email, code: wrong, password: 'second password' })
      expect(res.status).toBe(400)
      expect(res.body.error).toEqual({ code: 'OTP_INVALID', message: 'the code is wrong' })
    }
    const sixth = await t.api.post('/v1/auth/reset', { login: u.email, code, password: 'second password' })
    expect(sixth.status).toBe(400)
    expect(sixth.body.error.message).toBe('too many wrong attempts; request a new code')
  })

  it('checks at most 5 guesses of a code even when they arrive at once', async () => {
    const u = await emailUser()
    const since = t.codes.received.length
    await t.api.post('/v1/auth/otp', { login: u.email })
    const { code } = await t.codes.next(u.email, since)
    const wrong = code === '000000' ? '111111' : '000000'
    const answers = await Promise.all(Array.from({ length: 12 }, () => t.api.post('/v1/auth/reset', { login: u.email, code: wrong, password: 'second password' })))
    expect(answers.map((r) => r.body.error.code)).toEqual(Array(12).fill('OTP_INVALID'))
    expect(answers.filter((r) => r.body.error.message === 'the code is wrong')).toHaveLength(5)
    const right = await t.api.post('/v1/auth/reset', { login: u.email, code, password: 'second password' })
    expect(right.body.error.message).toBe('too many wrong attempts; request a new code')
  })

  it('sends at most one code a minute, and a new code replaces the old one', async () => {
    const u = await emailUser()
    const since = t.codes.received.length
    await t.api.post('/v1/auth/otp', { login: u.email })
    const first = await t.codes.next(u.email, since)
    expect((await t.api.post('/v1/auth/otp', { login: u.email })).status).toBe(202)
    t.clock.advance(61_000)
    const mark = t.codes.received.length
    await t.api.post('/v1/auth/otp', { login: u.email })
    const second = await t.codes.next(u.email, mark)
    expect(t.codes.for(u.email)).toHaveLength(2)
    if (first.code !== second.code) {
      const old = await t.api.post('/v1/auth/reset', { login: u.email, code: first.code, password: 'second password' })
      expect(old.status).toBe(400)
    }
    expect((await t.api.post('/v1/auth/reset', { login: u.email, code: second.code, password: 'second password' })).status).toBe(204)
  })

  it('answers 202 for an unknown login and sends nothing', async () => {
    const ghost = `${uniqueName('ghost')}@example.com`
    const res = await t.api.post('/v1/auth/otp', { login: ghost })
    expect(res.status).toBe(202)
    await new Promise((r) => setTimeout(r, 50))
    expect(t.codes.for(ghost)).toHaveLength(0)
    const reset = await t.api.post('/v1/auth/reset', { login: ghost, code: '123456', password: 'second password' })
    expect(reset.body.error.code).toBe('OTP_INVALID')
  })

  it('validates code requests', async () => {
    expect((await t.api.post('/v1/auth/reset', { login: 'x@example.com', code: '12345', password: 'second password' })).body.error.code).toBe('BAD_REQUEST')
    expect((await t.api.post('/v1/auth/otp', { login: 'x@example.com', purpose: 'steal' })).body.error.code).toBe('BAD_REQUEST')
  })

  describe('TOTP', () => {
    it('enrols with a current code, then requires it at login and refuses a replayed code', async () => {
      const u = await t.register()
      const setup = await t.api.post('/v1/auth/totp', undefined, { token: u.token })
      expect(setup.status).toBe(200)
      expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\/mt-chat:/)
      const secret = setup.body.secret as string
      const bad = await t.api.post('/v1/auth/totp/verify', { code: totpCode(secret, t.clock.now() + 10 * 60_000) }, { token: u.token })
      expect(bad.status).toBe(401)
      expect(bad.body.error.code).toBe('TOTP_INVALID')
      expect((await t.api.post('/v1/auth/totp/verify', { code: totpCode(secret, t.clock.now()) }, { token: u.token })).status).toBe(204)
      expect((await t.api.get('/v1/me', { token: u.token })).body.totp_enabled).toBe(true)
      const again = await t.api.post('/v1/auth/totp', undefined, { token: u.token })
      expect(again.status).toBe(409)
      expect(again.body.error.code).toBe('INVALID_STATE')

      t.clock.advance(30_000)
      const missing = await t.api.post('/v1/auth/login', { login: u.username, password: u.password }, { ip: '10.21.0.1' })
      expect(missing.status).toBe(401)
      expect(missing.body.error.code).toBe('TOTP_REQUIRED')
      const code = totpCode(secret, t.clock.now())
      const ok = await t.api.post('/v1/auth/login', { login: u.username, password: u.password, totp: code }, { ip: '10.21.0.2' })
      expect(ok.status).toBe(200)
      const replay = await t.api.post('/v1/auth/login', { login: u.username, password: u.password, totp: code }, { ip: '10.21.0.3' })
      expect(replay.status).toBe(401)
      expect(replay.body.error.code).toBe('TOTP_INVALID')

      t.clock.advance(30_000)
      expect((await t.api.post('/v1/auth/totp/disable', { code: totpCode(secret, t.clock.now()) }, { token: u.token })).status).toBe(204)
      expect((await t.api.post('/v1/auth/login', { login: u.username, password: u.password }, { ip: '10.21.0.4' })).status).toBe(200)
    })

    it('counts wrong TOTP codes towards the lockout', async () => {
      const u = await t.register()
      const { secret } = (await t.api.post('/v1/auth/totp', undefined, { token: u.token })).body
      await t.api.post('/v1/auth/totp/verify', { code: totpCode(secret, t.clock.now()) }, { token: u.token })
      const wrong = totpCode(secret, t.clock.now() + 3_600_000)
      for (let i = 0; i < 5; i++) expect((await t.api.post('/v1/auth/login', { login: u.username, password: u.password, totp: wrong }, { ip: `10.22.${i}.1` })).status).toBe(401)
      t.clock.advance(30_000)
      const locked = await t.api.post('/v1/auth/login', { login: u.username, password: u.password, totp: totpCode(secret, t.clock.now()) }, { ip: '10.22.9.1' })
      expect(locked.status).toBe(429)
    })

    it('needs a signed-in user', async () => {
      expect((await t.api.post('/v1/auth/totp')).status).toBe(401)
    })
  })
})

describe.each(variants)('verification at registration on %s', (db) => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ db, requireVerification: true })
  })
  afterAll(() => t.close())

  it('holds an email account until the emailed code is entered', async () => {
    const email = `${uniqueName('v')}@example.com`
    const res = await t.api.post('/v1/auth/register', { email, password: 'long enough pw' })
    expect(res.status).toBe(202)
    expect(res.body.token).toBeUndefined()
    expect(res.body.verification).toEqual({ channel: 'email', expires_at: t.clock.now() + 600_000 })
    expect(res.body.user.verified).toBe(false)
    const msg = await t.codes.next(email)
    expect(msg.purpose).toBe('verify')

    const early = await t.api.post('/v1/auth/login', { login: email, password: 'long enough pw' })
    expect(early.status).toBe(403)
    expect(early.body.error.code).toBe('VERIFICATION_REQUIRED')
    const wrong = await t.api.post('/v1/auth/verify', { login: email, code: msg.code === '999999' ? '000000' : '999999' })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error.code).toBe('OTP_INVALID')
    expect((await t.api.post('/v1/auth/verify', { login: email, code: msg.code })).status).toBe(204)
    expect((await t.api.post('/v1/auth/verify', { login: email, code: msg.code })).status).toBe(400)
    const login = await t.api.post('/v1/auth/login', { login: email, password: 'long enough pw' })
    expect(login.status).toBe(200)
    expect(login.body.user.verified).toBe(true)
  })

  it('signs a username-only account in at once (nothing to verify)', async () => {
    expect((await t.api.post('/v1/auth/register', { username: uniqueName('nv'), password: 'long enough pw' })).status).toBe(201)
  })

  it('resends a verification code on request', async () => {
    const email = `${uniqueName('v')}@example.com`
    await t.api.post('/v1/auth/register', { email, password: 'long enough pw' })
    await t.codes.next(email)
    t.clock.advance(61_000)
    const mark = t.codes.received.length
    expect((await t.api.post('/v1/auth/otp', { login: email, purpose: 'verify' })).status).toBe(202)
    const second = await t.codes.next(email, mark)
    expect((await t.api.post('/v1/auth/verify', { login: email, code: second.code })).status).toBe(204)
  })
})

/** A minimal SMTP server (RFC 5321 happy path, no TLS) that keeps every message it accepts. */
async function smtpInbox(): Promise<{ url: string; messages: string[]; close(): Promise<void> }> {
  const messages: string[] = []
  const server: Server = createServer((sock) => {
    let buf = ''
    let data: string | undefined
    sock.write('220 test ESMTP\r\n')
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8')
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        if (data !== undefined) {
          if (line === '.') {
            messages.push(data)
            data = undefined
            sock.write('250 queued\r\n')
          } else data += `${line}\n`
          continue
        }
        const verb = line.slice(0, 4).toUpperCase()
        if (verb === 'DATA') {
          data = ''
          sock.write('354 end with .\r\n')
        } else if (verb === 'QUIT') sock.end('221 bye\r\n')
        else sock.write('250 ok\r\n')
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  return { url: `smtp://127.0.0.1:${port}`, messages, close: () => new Promise((r) => server.close(() => r())) }
}

describe('codes by email over SMTP', () => {
  it('emails a reset code that resets the password', async () => {
    const smtp = await smtpInbox()
    const t = await startRelay({ otpWebhook: undefined, smtpUrl: smtp.url, smtpFrom: 'relay@example.com' })
    try {
      const email = `${uniqueName('smtp')}@example.com`
      expect((await t.api.post('/v1/auth/register', { email, password: 'first password' })).status).toBe(201)
      expect((await t.api.post('/v1/auth/otp', { login: email })).status).toBe(202)
      for (let i = 0; i < 100 && smtp.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
      expect(smtp.messages).toHaveLength(1)
      const mail = smtp.messages[0]
      expect(mail).toMatch(new RegExp(`^To: ${email}$`, 'm'))
      expect(mail).toMatch(/^From: relay@example.com$/m)
      const code = /password is (\d{6})/.exec(mail)?.[1]
      expect(code).toMatch(/^\d{6}$/)
      expect((await t.api.post('/v1/auth/reset', { login: email, code, password: 'second password' })).status).toBe(204)
      expect((await t.api.post('/v1/auth/login', { login: email, password: 'second password' })).status).toBe(200)
    } finally {
      await t.close()
      await smtp.close()
    }
  })
})

describe('code delivery unavailable', () => {
  it('answers 503 UNAVAILABLE for code requests when production has no sender', async () => {
    const t = await startRelay({ nodeEnv: 'production', otpWebhook: undefined })
    try {
      const res = await t.api.post('/v1/auth/otp', { login: 'someone@example.com' })
      expect(res.status).toBe(503)
      expect(res.body.error.code).toBe('UNAVAILABLE')
    } finally {
      await t.close()
    }
  })
})
