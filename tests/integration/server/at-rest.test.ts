/**
 * Secrets at rest and in logs (DESIGN "Cloud chats", BRIEF "Security"): cloud message bodies and
 * TOTP secrets are AES-256-GCM ciphertext in the database (the SQLite files on disk contain no
 * plaintext); a storage key rotation keeps old rows readable; removing a key makes its rows fail
 * closed (500, nothing leaked); and the relay's logs at trace level contain no password, token,
 * one-time code or message text.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { dbVariants, postgresUrl, randomId, startRelay, uniqueName, type StartOptions, type TestRelay } from '../../helpers/relay.js'

const variants = await dbVariants()

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

const key = () => randomBytes(32).toString('base64')

describe('at-rest encryption on SQLite', () => {
  it('keeps message text and TOTP secrets out of the database files', async () => {
    const t = await startRelay()
    const marker = `plaintext-marker-${randomBytes(6).toString('hex')}`
    try {
      const a = await t.register()
      const b = await t.register()
      const sent = await t.api.post(`/v1/chats/${b.id}/messages`, { random_id: randomId(), text: `${marker} with more words` }, { token: a.token })
      expect(sent.status).toBe(201)
      const { secret } = (await t.api.post('/v1/auth/totp', undefined, { token: a.token })).body
      const history = await t.api.get(`/v1/chats/${a.id}/messages`, { token: b.token })
      expect(history.body.messages[0].text).toBe(`${marker} with more words`)
      const files = filesUnder(t.dataDir).filter((f) => /mt-chat\.sqlite/.test(f))
      expect(files.length).toBeGreaterThanOrEqual(2)
      for (const f of files) {
        const bytes = readFileSync(f)
        expect(bytes.includes(Buffer.from(marker)), f).toBe(false)
        expect(bytes.includes(Buffer.from(secret)), f).toBe(false)
        expect(bytes.includes(Buffer.from(a.password)), f).toBe(false)
        expect(bytes.includes(Buffer.from(a.token)), f).toBe(false)
      }
    } finally {
      await t.close()
    }
  })
})

describe.each(variants)('storage key rotation on %s', (db) => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c()
  })

  it('reads rows sealed under an old key after a rotation and fails closed without it', async () => {
    const k1 = key()
    const k2 = key()
    const dataDir = mkdtempSync(join(tmpdir(), 'mt-rotate-'))
    const dbSchema = db === 'postgres' ? `rot_${process.pid}_${randomBytes(3).toString('hex')}` : undefined
    cleanups.push(async () => {
      rmSync(dataDir, { recursive: true, force: true })
      if (dbSchema) {
        const c = new pg.Client({ connectionString: await postgresUrl() })
        await c.connect()
        await c.query(`DROP SCHEMA IF EXISTS "${dbSchema}" CASCADE`)
        await c.end()
      }
    })
    const base: StartOptions = { db, dataDir, dbSchema, serverKey: key() }
    let t: TestRelay = await startRelay({ ...base, storageKey: `k1:${k1}` })
    const a = await t.register(uniqueName('rot'))
    const b = await t.register(uniqueName('rot'))
    await t.api.post(`/v1/chats/${b.id}/messages`, { random_id: randomId(), text: 'sealed under k1' }, { token: a.token })
    const [row] = await t.relay.store.knex('messages').select('key_id', 'body')
    expect(row.key_id).toBe('k1')
    expect(Buffer.from(row.body).includes(Buffer.from('sealed under k1'))).toBe(false)
    await t.close()

    t = await startRelay({ ...base, storageKey: `k2:${k2},k1:${k1}` })
    await t.api.post(`/v1/chats/${b.id}/messages`, { random_id: randomId(), text: 'sealed under k2' }, { token: a.token })
    const both = await t.api.get(`/v1/chats/${b.id}/messages`, { token: a.token })
    expect(both.body.messages.map((m: { text: string }) => m.text)).toEqual(['sealed under k2', 'sealed under k1'])
    expect((await t.relay.store.knex('messages').orderBy('id').select('key_id')).map((r: { key_id: string }) => r.key_id)).toEqual(['k1', 'k2'])
    await t.close()

    t = await startRelay({ ...base, storageKey: `k2:${k2}` })
    const broken = await t.api.get(`/v1/chats/${b.id}/messages`, { token: a.token })
    expect(broken.status).toBe(500)
    expect(broken.body.error).toEqual({ code: 'INTERNAL', message: 'The relay failed unexpectedly; the details are in its log, not here.' })
    await t.close()
  })
})

describe('logs', () => {
  it('never contain passwords, tokens, one-time codes or message text, even at trace level', async () => {
    let logs = ''
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs += chunk.toString('utf8')
        done()
      },
    })
    const t = await startRelay({ logLevel: 'trace', logDestination: sink })
    try {
      const email = `${uniqueName('log')}@example.com`
      const reg = await t.api.post('/v1/auth/register', { email, password: 'log-test-password' })
      const b = await t.register()
      await t.api.post('/v1/auth/login', { login: email, password: 'wrong-password-xyz' })
      await t.api.post('/v1/auth/otp', { login: email })
      const { code } = await t.codes.next(email)
      await t.api.post('/v1/auth/reset', { login: email, code: code === '000000' ? '111111' : '000000', password: 'log-test-password-2' })
      await t.api.post('/v1/auth/reset', { login: email, code, password: 'log-test-password-2' })
      const login = await t.api.post('/v1/auth/login', { login: email, password: 'log-test-password-2' })
      const token = login.body.token as string
      await t.api.post(`/v1/chats/${b.id}/messages`, { random_id: randomId(), text: 'secret-message-text-123' }, { token })
      await t.api.get(`/v1/chats/${b.id}/search?q=secret-message-text-123`, { token })
      await t.api.get('/v1/me', { token: 'mts_' + 'x'.repeat(43) })
      await new Promise((r) => setTimeout(r, 50))
      expect(logs).toContain('"msg":"http"')
      for (const secret of ['log-test-password', 'wrong-password-xyz', code, token, reg.body.token, 'secret-message-text-123', b.token]) expect(logs).not.toContain(secret)
    } finally {
      await t.close()
    }
  })
})
