/**
 * Turns a bearer credential into a signed-in user, with the same rules for HTTP (the middleware)
 * and the gateway (`auth.signIn(token)`, docs/PROTOCOL.md §3): a relay session token (`mts_…`,
 * live, not revoked) or a JWT signed by the host site (verified; the account is created on first
 * sight).
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import type { Store } from '../store/store.js'
import { findUserById, type UserRow } from '../store/users.js'
import { hostUser } from './host-users.js'
import type { HostJwtVerifier } from './jwt.js'
import type { SessionService } from './sessions.js'
import { isSessionToken } from './tokens.js'

/** Who is signed in, and how. */
export interface AuthContext {
  user: UserRow
  via: 'session' | 'jwt'
  /** The relay session (absent for a bare host JWT). */
  sessionId?: number
  /** When the credential stops being valid (unix ms). */
  expiresAt: number
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Checks bearer credentials. */
export class Authenticator {
  constructor(private readonly deps: { store: Store; clock: Clock; sessions: SessionService; jwt?: HostJwtVerifier }) {}

  /**
   * The user behind `token`; UNAUTHORIZED when it is unknown, expired, revoked or badly signed.
   * @example
   * ```ts
   * const { user } = await relay.auth.authenticate(token) // in the gateway's auth.signIn
   * ```
   */
  async authenticate(token: string): Promise<AuthContext> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw new MtChatError('UNAUTHORIZED', 'missing credentials')
    if (isSessionToken(token)) {
      const session = await this.deps.sessions.check(token)
      const user = await findUserById(this.deps.store.reader, session.user_id)
      if (!user) throw new MtChatError('UNAUTHORIZED', 'the account no longer exists')
      return { user, via: 'session', sessionId: Number(session.id), expiresAt: Number(session.expires_at) }
    }
    if (JWT.test(token)) {
      if (!this.deps.jwt) throw new MtChatError('UNAUTHORIZED', 'host JWT sign-in is not configured on this relay')
      const now = this.deps.clock.now()
      const claims = await this.deps.jwt.verify(token, now)
      const { user } = await hostUser(this.deps.store, claims, now)
      return { user, via: 'jwt', expiresAt: claims.exp }
    }
    throw new MtChatError('UNAUTHORIZED', 'unrecognized credentials')
  }

  /** Parses `Authorization: Bearer <token>` and authenticates it. */
  async fromHeader(header: string | undefined): Promise<AuthContext> {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!m) throw new MtChatError('UNAUTHORIZED', 'expected Authorization: Bearer <token>')
    return this.authenticate(m[1])
  }

  /** A fresh copy of a user row (after a change). */
  async reload(userId: number): Promise<UserRow> {
    const user = await findUserById(this.deps.store.reader, userId)
    if (!user) throw new MtChatError('UNAUTHORIZED', 'the account no longer exists')
    return user
  }
}
