/**
 * User directory (docs/PROTOCOL.md §3 `User`, §6 `/v1/users`, `/v1/me`): search and list with a
 * cursor, profiles with presence. Public profiles show id, username, display name and presence;
 * email and phone only ever appear in the owner's own `/v1/me`.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Store } from '../store/store.js'
import { findUserById, findUserByLogin, searchUsers, type UserRow } from '../store/users.js'
import type { PresenceSource } from './presence.js'
import type { PresenceJson } from './update-types.js'

/** docs/PROTOCOL.md §3 User. */
export interface UserJson {
  id: number
  username?: string
  display_name?: string
  online?: boolean
  last_seen?: number
}

/** The signed-in user's own profile. */
export interface MeJson extends UserJson {
  email?: string
  phone?: string
  verified: boolean
  totp_enabled: boolean
}

/** Public JSON of a user, with presence when given. */
export function userJson(row: UserRow, presence?: PresenceJson): UserJson {
  const u: UserJson = { id: row.id }
  if (row.username) u.username = row.username
  if (row.display_name) u.display_name = row.display_name
  if (presence) {
    u.online = presence.online
    if (presence.last_seen !== undefined) u.last_seen = presence.last_seen
  }
  return u
}

/** The owner's JSON of their account. */
export function meJson(row: UserRow): MeJson {
  const u: MeJson = { ...userJson(row), verified: row.verified, totp_enabled: row.totp_enabled }
  if (row.email) u.email = row.email
  if (row.phone) u.phone = row.phone
  return u
}

/** Reads users and their presence. */
export class UserService {
  constructor(private readonly deps: { store: Store; presence: PresenceSource }) {}

  /** Users matching `q` (or everyone), id order, after `cursor`; limit 1..100. */
  async search(o: { q?: string; cursor?: number; limit?: number }): Promise<{ users: UserJson[]; next_cursor?: number }> {
    const limit = o.limit ?? 50
    const rows = await searchUsers(this.deps.store.reader, { q: o.q, cursor: o.cursor, limit })
    const presence = await this.deps.presence.statuses(rows.map((r) => r.id))
    const users = rows.map((r, i) => userJson(r, presence[i]))
    return rows.length === limit ? { users, next_cursor: rows[rows.length - 1].id } : { users }
  }

  /** A user by numeric id or username; PEER_NOT_FOUND otherwise. */
  async get(idOrUsername: string | number): Promise<UserJson> {
    const row = await this.find(idOrUsername)
    const [presence] = await this.deps.presence.statuses([row.id])
    return userJson(row, presence)
  }

  /** The row of a user by id or username. */
  async find(idOrUsername: string | number): Promise<UserRow> {
    const s = String(idOrUsername)
    const row = /^\d{1,15}$/.test(s) ? await findUserById(this.deps.store.reader, Number(s)) : /^[A-Za-z][A-Za-z0-9_]{2,31}$/.test(s) ? await findUserByLogin(this.deps.store.reader, s) : undefined
    if (!row) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
    return row
  }

  /** Presence of one user. */
  async status(id: number): Promise<PresenceJson> {
    const row = await findUserById(this.deps.store.reader, id)
    if (!row) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
    const [presence] = await this.deps.presence.statuses([id])
    return presence
  }
}
