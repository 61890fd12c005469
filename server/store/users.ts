/**
 * Users repository: accounts, their login names (username, email, phone — each unique, stored
 * normalized), host-JWT links (`external_id`), the TOTP secret (sealed at rest) and the per-user
 * state row (pts counter, last seen) created with the account.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import { bool, isUniqueViolation, type Db } from './db.js'

/** A `users` row as the relay uses it. */
export interface UserRow {
  id: number
  username: string | null
  email: string | null
  phone: string | null
  display_name: string | null
  password_hash: string | null
  external_id: string | null
  verified: boolean
  totp_enabled: boolean
  totp_key_id: string | null
  totp_secret: Buffer | null
  totp_last_step: number | null
  created_at: number
}

/** Fields of a new account. */
export interface NewUser {
  username?: string
  email?: string
  phone?: string
  display_name?: string
  password_hash?: string
  external_id?: string
  verified: boolean
}

/** Which field a login string names. */
export type LoginKind = 'username' | 'email' | 'phone'

/** Classifies and normalizes a login: email if it has "@", phone if "+digits", else username. */
export function normalizeLogin(login: string): { kind: LoginKind; value: string } {
  const s = login.trim()
  if (s.includes('@')) return { kind: 'email', value: s.toLowerCase() }
  if (/^\+\d+$/.test(s)) return { kind: 'phone', value: s }
  return { kind: 'username', value: s.toLowerCase() }
}

function toRow(r: Record<string, unknown> | undefined): UserRow | undefined {
  if (!r) return undefined
  return { ...(r as unknown as UserRow), verified: bool(r.verified), totp_enabled: bool(r.totp_enabled) }
}

/**
 * Creates a user and its state row. CONFLICT names the taken field; the pre-check gives a precise
 * message, the unique index still decides under a race.
 */
export async function createUser(db: Db, user: NewUser, now: number): Promise<UserRow> {
  for (const field of ['username', 'email', 'phone', 'external_id'] as const) {
    const value = user[field]
    if (value !== undefined && (await db('users').where(field, value).first('id')))
      throw new MtChatError('CONFLICT', field === 'external_id' ? 'this host user is already linked' : `this ${field} is taken`, { details: { field } })
  }
  try {
    const [row] = await db('users')
      .insert({
        username: user.username ?? null,
        email: user.email ?? null,
        phone: user.phone ?? null,
        display_name: user.display_name ?? null,
        password_hash: user.password_hash ?? null,
        external_id: user.external_id ?? null,
        verified: user.verified,
        created_at: now,
      })
      .returning('*')
    await db('user_state').insert({ user_id: row.id, pts: 0 })
    return toRow(row)!
  } catch (err) {
    if (isUniqueViolation(err)) throw new MtChatError('CONFLICT', 'this login name is taken', { cause: err })
    throw err
  }
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return toRow(await db('users').where('id', id).first())
}

export async function findUserByLogin(db: Db, login: string): Promise<UserRow | undefined> {
  const { kind, value } = normalizeLogin(login)
  return toRow(await db('users').where(kind, value).first())
}

export async function findUserByExternalId(db: Db, externalId: string): Promise<UserRow | undefined> {
  return toRow(await db('users').where('external_id', externalId).first())
}

/** The subset of `ids` that exist. */
export async function existingUserIds(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const rows = await db('users').whereIn('id', [...new Set(ids)]).select('id')
  return new Set(rows.map((r: { id: number }) => r.id))
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * Users in id order after `cursor`. With `q`: username prefix or display-name substring (case
 * insensitive); an email or phone matches only exactly, so contact discovery cannot enumerate them.
 */
export async function searchUsers(db: Db, opts: { q?: string; cursor?: number; limit: number }): Promise<UserRow[]> {
  const query = db('users').orderBy('id').limit(opts.limit)
  if (opts.cursor !== undefined) query.where('id', '>', opts.cursor)
  const q = opts.q?.trim()
  if (q) {
    const { kind, value } = normalizeLogin(q)
    if (kind === 'username') {
      const lower = escapeLike(value.toLowerCase())
      query.where((w) => {
        w.whereRaw("username LIKE ? ESCAPE '\\'", [`${lower}%`]).orWhereRaw("LOWER(display_name) LIKE ? ESCAPE '\\'", [`%${lower}%`])
      })
    } else query.where(kind, value)
  }
  return (await query).map((r: Record<string, unknown>) => toRow(r)!)
}

export async function updateUser(
  db: Db,
  id: number,
  fields: Partial<Pick<UserRow, 'password_hash' | 'verified' | 'display_name' | 'totp_enabled' | 'totp_key_id' | 'totp_secret' | 'totp_last_step'>>,
): Promise<void> {
  await db('users').where('id', id).update(fields)
}

/**
 * Records a used TOTP time step; false when this or a later step was already used (RFC 6238 §5.2:
 * a code is accepted once).
 */
export async function claimTotpStep(db: Db, id: number, step: number): Promise<boolean> {
  const n = await db('users')
    .where('id', id)
    .andWhere((w) => w.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
    .update({ totp_last_step: step })
  return n === 1
}

/** Last-seen times (unix ms) of `ids` that have one. */
export async function lastSeenOf(db: Db, ids: readonly number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map()
  const rows = await db('user_state').whereIn('user_id', [...new Set(ids)]).whereNotNull('last_seen').select('user_id', 'last_seen')
  return new Map(rows.map((r: { user_id: number; last_seen: number }) => [r.user_id, Number(r.last_seen)]))
}

export async function setLastSeen(db: Db, id: number, at: number): Promise<void> {
  await db('user_state').where('user_id', id).update({ last_seen: at })
}
