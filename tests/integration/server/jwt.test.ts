/**
 * Host-site JWT sign-in (issue 4): HS256 with a shared secret and EdDSA with a public key; `sub`,
 * `name`, `exp` required; the account is created on first sight and linked by `sub`; a JWT also
 * works directly as a bearer token; expired, badly signed, algorithm-confused and unsigned tokens
 * are refused.
 */
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbVariants, startRelay, uniqueName, type TestRelay } from '../../helpers/relay.js'

const variants = await dbVariants()
const SECRET = 'host-site-shared-secret-0123456789abcdef'

function hs256(claims: Record<string, unknown>, now: number, o: { secret?: string; expSec?: number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + (o.expSec ?? 300))
    .sign(new TextEncoder().encode(o.secret ?? SECRET))
}

describe.each(variants)('host JWT (HS256) on %s', (db) => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ db, jwtSecret: SECRET, jwtIssuer: 'https://host.example' })
  })
  afterAll(() => t.close())

  it('creates the user on first sight and links later sign-ins by sub', async () => {
    const sub = uniqueName('host')
    const jwt = await hs256({ sub, name: 'Ada Lovelace', iss: 'https://host.example', preferred_username: sub }, t.clock.now())
    const first = await t.api.post('/v1/auth/jwt', { jwt })
    expect(first.status).toBe(200)
    expect(first.body.user).toMatchObject({ display_name: 'Ada Lovelace', username: sub.toLowerCase() })
    expect(first.body.token).toMatch(/^mts_/)
    const again = await t.api.post('/v1/auth/jwt', { jwt: await hs256({ sub, name: 'Ada King', iss: 'https://host.example' }, t.clock.now()) })
    expect(again.status).toBe(200)
    expect(again.body.user.id).toBe(first.body.user.id)
    expect(again.body.user.display_name).toBe('Ada King')
    expect((await t.api.get('/v1/me', { token: first.body.token })).body.id).toBe(first.body.user.id)
  })

  it('accepts the JWT itself as a bearer token', async () => {
    const sub = uniqueName('bearer')
    const jwt = await hs256({ sub, name: 'Bearer User', iss: 'https://host.example' }, t.clock.now())
    const me = await t.api.get('/v1/me', { token: jwt })
    expect(me.status).toBe(200)
    expect(me.body.display_name).toBe('Bearer User')
  })

  it.each([
    ['expired', async (now: number) => hs256({ sub: 's', name: 'n', iss: 'https://host.example' }, now - 3_600_000)],
    ['wrong secret', async (now: number) => hs256({ sub: 's', name: 'n', iss: 'https://host.example' }, now, { secret: 'another-secret-0123456789abcdefghijkl' })],
    ['wrong issuer', async (now: number) => hs256({ sub: 's', name: 'n', iss: 'https://evil.example' }, now)],
    ['missing name', async (now: number) => hs256({ sub: 's', iss: 'https://host.example' }, now)],
    ['missing sub', async (now: number) => hs256({ name: 'n', iss: 'https://host.example' }, now)],
    ['unsigned (alg none)', async (now: number) => new UnsecuredJWT({ sub: 's', name: 'n', iss: 'https://host.example' }).setExpirationTime(Math.floor(now / 1000) + 300).encode()],
  ])('refuses a %s token with 401', async (_what, make) => {
    const jwt = await make(t.clock.now())
    const res = await t.api.post('/v1/auth/jwt', { jwt })
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('UNAUTHORIZED')
    expect((await t.api.get('/v1/me', { token: jwt })).status).toBe(401)
  })

  it('validates the body', async () => {
    const res = await t.api.post('/v1/auth/jwt', { token: 'x' })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('BAD_REQUEST')
  })
})

describe('host JWT (EdDSA public key)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ jwtPublicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString() })
  })
  afterAll(() => t.close())

  it('signs in with an Ed25519-signed token', async () => {
    const now = Math.floor(t.clock.now() / 1000)
    const jwt = await new SignJWT({ sub: uniqueName('ed'), name: 'Ed User' }).setProtectedHeader({ alg: 'EdDSA' }).setExpirationTime(now + 60).sign(privateKey)
    const res = await t.api.post('/v1/auth/jwt', { jwt })
    expect(res.status).toBe(200)
    expect(res.body.user.display_name).toBe('Ed User')
  })

  it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const now = Math.floor(t.clock.now() / 1000)
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString()
    const jwt = await new SignJWT({ sub: 'x', name: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 60).sign(new TextEncoder().encode(pem))
    const res = await t.api.post('/v1/auth/jwt', { jwt })
    expect(res.status).toBe(401)
  })

  it('refuses a token signed by another key', async () => {
    const other = generateKeyPairSync('ed25519').privateKey
    const now = Math.floor(t.clock.now() / 1000)
    const jwt = await new SignJWT({ sub: 'x', name: 'x' }).setProtectedHeader({ alg: 'EdDSA' }).setExpirationTime(now + 60).sign(other)
    expect((await t.api.post('/v1/auth/jwt', { jwt })).status).toBe(401)
  })
})

describe('host JWT (ES256 public key as JWK)', () => {
  it('signs in with a P-256-signed token and refuses one signed by another key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const t = await startRelay({ jwtPublicKey: JSON.stringify(publicKey.export({ format: 'jwk' })) })
    try {
      const now = Math.floor(t.clock.now() / 1000)
      const jwt = await new SignJWT({ sub: uniqueName('es'), name: 'Es User' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(now + 60).sign(privateKey)
      const ok = await t.api.post('/v1/auth/jwt', { jwt })
      expect(ok.status).toBe(200)
      expect(ok.body.user.display_name).toBe('Es User')
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
      const forged = await new SignJWT({ sub: 'x', name: 'x' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(now + 60).sign(other)
      expect((await t.api.post('/v1/auth/jwt', { jwt: forged })).status).toBe(401)
    } finally {
      await t.close()
    }
  })
})

describe('host JWT not configured', () => {
  it('answers 401 with a clear message', async () => {
    const t = await startRelay()
    try {
      const res = await t.api.post('/v1/auth/jwt', { jwt: 'a.b.c' })
      expect(res.status).toBe(401)
      expect(res.body.error.message).toBe('host JWT sign-in is not configured on this relay')
    } finally {
      await t.close()
    }
  })
})
