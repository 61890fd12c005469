/**
 * Session tokens repository. Only SHA-256 hashes of tokens are stored (a database leak yields no
 * usable token); a session is valid while not revoked and not expired.
 * @module
 */
import type { Db } from './db.js'

/** A `sessions` row. */
export interface SessionRow {
  id: number
  user_id: number
  token_hash: string
  kind: string
  ip: string | null
  created_at: number
  expires_at: number
  revoked_at: number | null
}

export async function insertSession(
  db: Db,
  s: { userId: number; tokenHash: string; kind: string; ip?: string; createdAt: number; expiresAt: number },
): Promise<number> {
  const [row] = await db('sessions')
    .insert({ user_id: s.userId, token_hash: s.tokenHash, kind: s.kind, ip: s.ip?.slice(0, 64) ?? null, created_at: s.createdAt, expires_at: s.expiresAt })
    .returning('id')
  return typeof row === 'object' ? (row as { id: number }).id : Number(row)
}

export async function findSessionByHash(db: Db, tokenHash: string): Promise<SessionRow | undefined> {
  return db('sessions').where('token_hash', tokenHash).first()
}

export async function revokeSession(db: Db, id: number, at: number): Promise<void> {
  await db('sessions').where('id', id).whereNull('revoked_at').update({ revoked_at: at })
}

/** Revokes every live session of a user (password reset); returns the revoked ids. */
export async function revokeUserSessions(db: Db, userId: number, at: number): Promise<number[]> {
  const rows = await db('sessions').where('user_id', userId).whereNull('revoked_at').select('id')
  if (rows.length) await db('sessions').whereIn('id', rows.map((r: { id: number }) => r.id)).update({ revoked_at: at })
  return rows.map((r: { id: number }) => r.id)
}

/** Deletes sessions that expired or were revoked before `before`. */
export async function purgeSessions(db: Db, before: number): Promise<number> {
  return db('sessions').where('expires_at', '<', before).orWhere('revoked_at', '<', before).del()
}
