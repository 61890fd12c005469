/**
 * Peers by username or id (docs/PROTOCOL.md §6 `GET /v1/users/:idOrUsername`): resolved once, then
 * cached in storage so a chat with "bob" keeps working offline after the first lookup.
 * @module
 */
import { MtChatError } from '../errors.js'
import type { StorageAdapter } from '../storage/types.js'
import type { HttpApi } from './http.js'
import { S, stored } from './stores.js'

/** A user as the relay shows it. */
export interface PeerInfo {
  /** The user id. */
  id: number
  /** The username, if any. */
  username?: string
  /** The display name, if set. */
  display_name?: string
  /** Whether a device of the user is connected now. */
  online?: boolean
  /** When the user was last connected (unix ms). */
  last_seen?: number
}

/** How the app names a peer: a username, or a numeric user id (number or decimal string). */
export type PeerRef = string | number

/** The user id a reference names directly, if it is one. */
export function directId(ref: PeerRef): number | undefined {
  if (typeof ref === 'number') return Number.isSafeInteger(ref) && ref > 0 ? ref : undefined
  return /^[1-9][0-9]{0,15}$/.test(ref) ? Number(ref) : undefined
}

/** Checks a peer reference at the public edge. */
export function checkPeerRef(ref: unknown): asserts ref is PeerRef {
  if (typeof ref === 'number' ? !(Number.isSafeInteger(ref) && ref > 0) : typeof ref !== 'string' || ref.length === 0 || ref.length > 64)
    throw new MtChatError('INVALID_ARGUMENT', `"peer" expected a username or a positive user id, got ${JSON.stringify(ref)}`, { op: 'peer' })
}

/** Resolves and caches peers. */
export class Peers {
  readonly #storage: StorageAdapter
  readonly #http: HttpApi
  readonly #inflight = new Map<string, Promise<PeerInfo>>()

  constructor(storage: StorageAdapter, http: HttpApi) {
    this.#storage = storage
    this.#http = http
  }

  /** The user id of `ref`: from storage if known, else from the relay (PEER_NOT_FOUND). */
  async resolveId(ref: PeerRef): Promise<number> {
    const id = directId(ref)
    if (id !== undefined) return id
    const cached = await this.#storage.get<number>(S.peers, `name:${String(ref).toLowerCase()}`)
    if (cached !== undefined) return cached
    return (await this.fetch(ref)).id
  }

  /** The user as the relay shows it now (cached for offline use). */
  fetch(ref: PeerRef): Promise<PeerInfo> {
    const key = String(ref).toLowerCase()
    let p = this.#inflight.get(key)
    if (!p) {
      p = this.#fetch(ref).finally(() => this.#inflight.delete(key))
      this.#inflight.set(key, p)
    }
    return p
  }

  async #fetch(ref: PeerRef): Promise<PeerInfo> {
    let user: PeerInfo
    try {
      user = await this.#http.request<PeerInfo>('GET', `/v1/users/${encodeURIComponent(String(ref))}`)
    } catch (err) {
      if (MtChatError.is(err, 'NOT_FOUND')) throw new MtChatError('PEER_NOT_FOUND', `no user "${String(ref)}"`, { op: 'peer.resolve', cause: err })
      throw err
    }
    if (!user || !Number.isSafeInteger(user.id)) throw new MtChatError('SCHEMA_INVALID', 'user answer has no id', { op: 'peer.resolve' })
    const ops = [{ op: 'set' as const, store: S.peers, key: `id:${user.id}`, value: stored(user) }]
    if (user.username) ops.push({ op: 'set', store: S.peers, key: `name:${user.username.toLowerCase()}`, value: user.id })
    await this.#storage.batch(ops)
    return user
  }

  /** A cached user, if any (no network). */
  async cached(id: number): Promise<PeerInfo | undefined> {
    return this.#storage.get<PeerInfo & Record<string, never>>(S.peers, `id:${id}`)
  }
}
