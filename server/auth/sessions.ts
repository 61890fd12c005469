/**
 * Issuing, checking and revoking relay sessions (issue 4: "login → session token (random, stored
 * hashed, expiry); logout revokes").
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import { findSessionByHash, insertSession, revokeSession, revokeUserSessions, type SessionRow } from '../store/sessions.js'
import type { Store } from '../store/store.js'
import { hashesEqual, hashToken, newSessionToken } from './tokens.js'

/** A newly issued token (shown to the client once, never stored in clear). */
export interface IssuedSession {
  token: string
  expires_at: number
  sessionId: number
}

/** Session lifecycle. */
export class SessionService {
  constructor(private readonly deps: { store: Store; clock: Clock; ttlSeconds: number; onRevoke?: (userId: number, sessionIds: number[]) => void }) {}

  /** Issues a session for `userId`. */
  async issue(userId: number, kind: 'password' | 'jwt' | 'register', ip?: string): Promise<IssuedSession> {
    const token = newSessionToken()
    const now = this.deps.clock.now()
    const expires_at = now + this.deps.ttlSeconds * 1000
    const sessionId = await insertSession(this.deps.store.knex, { userId, tokenHash: hashToken(token), kind, ip, createdAt: now, expiresAt: expires_at })
    return { token, expires_at, sessionId }
  }

  /** The live session of `token`; UNAUTHORIZED when unknown, revoked or expired. */
  async check(token: string): Promise<SessionRow> {
    const hash = hashToken(token)
    const row = await findSessionByHash(this.deps.store.reader, hash)
    if (!row || !hashesEqual(row.token_hash, hash)) throw new MtChatError('UNAUTHORIZED', 'unknown session token')
    if (row.revoked_at !== null) throw new MtChatError('UNAUTHORIZED', 'the session was revoked')
    if (Number(row.expires_at) <= this.deps.clock.now()) throw new MtChatError('UNAUTHORIZED', 'the session expired')
    return row
  }

  /** Revokes one session (logout). */
  async revoke(userId: number, sessionId: number): Promise<void> {
    await revokeSession(this.deps.store.knex, sessionId, this.deps.clock.now())
    this.deps.onRevoke?.(userId, [sessionId])
  }

  /** Revokes every session of a user (password reset). */
  async revokeAll(userId: number): Promise<void> {
    const ids = await revokeUserSessions(this.deps.store.knex, userId, this.deps.clock.now())
    if (ids.length) this.deps.onRevoke?.(userId, ids)
  }
}
