/**
 * The handshake and sign-in over the real socket (docs/PROTOCOL.md §2.2, §3 `auth.signIn`): a
 * relay session token and a host-signed JWT both bind a user; a client that pinned another key
 * refuses the relay (HANDSHAKE_BAD_SIGNATURE); the same over long-polling.
 */
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { MtChatError } from '../../../sdk/errors.js'
import { TestClient } from '../../helpers/mt-client.js'
import { expectCode } from './suites/rpc.js'
import { startRelay, type TestRelay } from './harness.js'

const JWT_SECRET = 'a host secret of at least thirty-two bytes!'

async function hostJwt(sub: string, name: string, expiresIn = '5m'): Promise<string> {
  return new SignJWT({ name }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(JWT_SECRET))
}

describe('handshake and sign-in', () => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ jwtSecret: JWT_SECRET })
  })
  afterAll(async () => {
    await t?.close()
  })

  it('signs in with a relay session token', async () => {
    const u = await t.register()
    const c = await t.connect({ provider: nodeProvider })
    const r = await c.call('auth.signIn', { token: u.token })
    expect(r.user.id).toBe(u.id)
    c.close()
  })

  it('signs in with a host-signed JWT, creating the user once', async () => {
    const c1 = await t.connect({ provider: nodeProvider })
    const r1 = await c1.call('auth.signIn', { token: await hostJwt('host-user-42', 'Ada') })
    expect(r1.user).toMatchObject({ display_name: 'Ada' })
    const c2 = await t.connect({ provider: nodeProvider, transport: 'poll' })
    const r2 = await c2.call('auth.signIn', { token: await hostJwt('host-user-42', 'Ada') })
    expect(r2.user.id).toBe(r1.user.id)
    // A JWT signed with another secret, or expired, is refused.
    const forged = await new SignJWT({ name: 'Eve' }).setProtectedHeader({ alg: 'HS256' }).setSubject('host-user-42').setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(40)))
    const c3 = await t.connect({ provider: nodeProvider })
    await expectCode(c3.call('auth.signIn', { token: forged }), 'UNAUTHORIZED')
    await expectCode(c3.call('auth.signIn', { token: await hostJwt('host-user-42', 'Ada', '-1m') }), 'UNAUTHORIZED')
    for (const c of [c1, c2, c3]) c.close()
  })

  it('fails the handshake against a wrong pinned key (HANDSHAKE_BAD_SIGNATURE), on both transports', async () => {
    const wrong = nodeProvider.ed25519Keygen().publicKey
    for (const transport of ['ws', 'poll'] as const) {
      const err = await TestClient.connect(t.url, wrong, { provider: nodeProvider, transport }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(MtChatError)
      expect((err as MtChatError).code).toBe('HANDSHAKE_BAD_SIGNATURE')
    }
    // The right key still works.
    const ok = await TestClient.connect(t.url, t.serverKey, { provider: nodeProvider })
    ok.close()
  })

  it('serves the key clients pin at GET /v1/server-key', async () => {
    const res = (await (await fetch(`${t.url}/v1/server-key`)).json()) as { key: string }
    expect(Buffer.from(res.key, 'base64').equals(Buffer.from(t.serverKey))).toBe(true)
  })
})
