/**
 * Presence and last seen (DESIGN "Server": users and presence/last seen). The gateway feeds it:
 * `connected(user)` when a session signs in, `disconnected(user)` when it closes. A user is online
 * while at least one session is; going offline persists `last_seen`, so it survives restarts.
 * `change` events let the gateway push `update.presence` to subscribers.
 *
 * {@link LocalPresence} counts sessions of this process; the broker can provide a Redis-backed
 * {@link PresenceSource} (presence keys with TTL) with the same interface for several nodes.
 * @module
 */
import { EventEmitter } from 'eventemitter3'
import type { Clock } from '../clock.js'
import type { Store } from '../store/store.js'
import { lastSeenOf, setLastSeen } from '../store/users.js'
import type { PresenceJson } from './update-types.js'

/** Where presence comes from; the HTTP routes and the gateway read it through this. */
export interface PresenceSource {
  /** Marks one more session of `userId` online. */
  connected(userId: number): void
  /** One session of `userId` went away; persists last_seen when it was the last. */
  disconnected(userId: number): Promise<void>
  /** Presence of each of `userIds`, in the same order. */
  statuses(userIds: readonly number[]): Promise<PresenceJson[]>
  /** Subscribes to online/offline transitions. */
  on(event: 'change', listener: (presence: PresenceJson) => void): unknown
  off(event: 'change', listener: (presence: PresenceJson) => void): unknown
}

/** In-process presence. */
export class LocalPresence extends EventEmitter<{ change: [PresenceJson] }> implements PresenceSource {
  private readonly sessions = new Map<number, number>()

  constructor(private readonly deps: { store: Store; clock: Clock }) {
    super()
  }

  connected(userId: number): void {
    const n = (this.sessions.get(userId) ?? 0) + 1
    this.sessions.set(userId, n)
    if (n === 1) this.emit('change', { user_id: userId, online: true })
  }

  async disconnected(userId: number): Promise<void> {
    const n = (this.sessions.get(userId) ?? 0) - 1
    if (n > 0) {
      this.sessions.set(userId, n)
      return
    }
    this.sessions.delete(userId)
    const at = this.deps.clock.now()
    await setLastSeen(this.deps.store.knex, userId, at)
    this.emit('change', { user_id: userId, online: false, last_seen: at })
  }

  async statuses(userIds: readonly number[]): Promise<PresenceJson[]> {
    const offline = userIds.filter((id) => !this.sessions.has(id))
    const seen = await lastSeenOf(this.deps.store.reader, offline)
    return userIds.map((id) => {
      if (this.sessions.has(id)) return { user_id: id, online: true }
      const last = seen.get(id)
      return last === undefined ? { user_id: id, online: false } : { user_id: id, online: false, last_seen: last }
    })
  }
}
