/**
 * The gateway's registry of live connections: all of them (for timers and shutdown), the
 * signed-in ones by user and relay session (to close them when a token is revoked), and presence
 * subscriptions by watched user (to push `update.presence`, docs/PROTOCOL.md §3.1).
 * @module
 */
import { CLOSE_CODES } from '../../sdk/errors.js'
import type { PresenceSource } from '../services/presence.js'
import type { PresenceJson } from '../services/update-types.js'
import type { Connection } from './connection.js'

/** Most users one connection may watch (each `presence.subscribe` adds up to 200). */
export const MAX_WATCHED = 1000

/** Live connections and who watches whom. */
export class Hub {
  private readonly all = new Set<Connection>()
  private readonly byUser = new Map<number, Set<Connection>>()
  private readonly watchers = new Map<number, Set<Connection>>()
  private readonly timer: NodeJS.Timeout
  private readonly onPresence = (p: PresenceJson): void => {
    const set = this.watchers.get(p.user_id)
    if (!set) return
    const update = p.last_seen === undefined ? { _: 'update.presence' as const, user_id: p.user_id, online: p.online } : { _: 'update.presence' as const, ...p }
    for (const conn of set)
      try {
        conn.pushEphemeral(update)
      } catch {
        // A closed or failing connection misses a presence push; nothing else depends on it.
      }
  }

  constructor(
    private readonly presence: PresenceSource,
    sweepIntervalMs: number,
    now: () => number,
  ) {
    presence.on('change', this.onPresence)
    this.timer = setInterval(() => {
      const t = now()
      for (const conn of this.all)
        try {
          conn.tick(t)
        } catch {
          // One connection's timer must not stop the others'; tick logs its own failures.
        }
    }, sweepIntervalMs)
    this.timer.unref()
  }

  /** True once shutdown began: connections drop incoming frames (clients resend after reconnecting). */
  draining = false
  private readonly chores = new Set<Promise<unknown>>()
  private readonly requests = new Set<Promise<unknown>>()

  /** Keeps a background write (last_seen on disconnect) for {@link settle} to wait for. */
  track(p: Promise<unknown>): void {
    const q = p.finally(() => this.chores.delete(q))
    this.chores.add(q)
  }

  /** Waits for tracked background writes (shutdown, before storage closes). */
  async settle(): Promise<void> {
    while (this.chores.size) await Promise.allSettled([...this.chores])
  }

  /** Keeps an accepted request until it was answered, for {@link answered}. */
  trackRequest(p: Promise<unknown>): void {
    const q = p.finally(() => this.requests.delete(q))
    this.requests.add(q)
  }

  /**
   * Waits until every accepted request has its answer written (shutdown: after the committer
   * drained, a committed request's answer is still on its way through its handler's continuations).
   */
  async answered(): Promise<void> {
    while (this.requests.size) await Promise.allSettled([...this.requests])
  }

  /** Stops processing incoming frames (shutdown). */
  stopReading(): void {
    this.draining = true
  }

  /** Open connections (any state). */
  get size(): number {
    return this.all.size
  }

  /** Connections of one user. */
  connectionsOf(userId: number): ReadonlySet<Connection> {
    return this.byUser.get(userId) ?? new Set()
  }

  add(conn: Connection): void {
    this.all.add(conn)
  }

  /** Records that `conn` signed in as `userId`. */
  bind(conn: Connection, userId: number): void {
    let set = this.byUser.get(userId)
    if (!set) this.byUser.set(userId, (set = new Set()))
    set.add(conn)
  }

  /** `conn` wants presence changes of `userIds`; false when that would exceed {@link MAX_WATCHED}. */
  watch(conn: Connection, userIds: readonly number[], watched: Set<number>): boolean {
    const fresh = userIds.filter((id) => !watched.has(id))
    if (watched.size + fresh.length > MAX_WATCHED) return false
    for (const id of fresh) {
      watched.add(id)
      let set = this.watchers.get(id)
      if (!set) this.watchers.set(id, (set = new Set()))
      set.add(conn)
    }
    return true
  }

  /** Forgets `conn` everywhere. */
  remove(conn: Connection, userId: number | undefined, watched: ReadonlySet<number>): void {
    this.all.delete(conn)
    if (userId !== undefined) {
      const set = this.byUser.get(userId)
      set?.delete(conn)
      if (set?.size === 0) this.byUser.delete(userId)
    }
    for (const id of watched) {
      const set = this.watchers.get(id)
      set?.delete(conn)
      if (set?.size === 0) this.watchers.delete(id)
    }
  }

  /** Closes the connections signed in with revoked relay sessions (logout, password reset): 4003. */
  revoke(userId: number, sessionIds: readonly number[]): void {
    const ids = new Set(sessionIds)
    for (const conn of [...this.connectionsOf(userId)]) if (conn.sessionId !== undefined && ids.has(conn.sessionId)) conn.close(CLOSE_CODES.AUTH_FAILED, 'session revoked')
  }

  /** Closes every connection (shutdown: 1001). */
  closeAll(code: number, reason: string): void {
    for (const conn of [...this.all]) conn.close(code, reason)
  }

  /** Stops the timer and the presence feed. */
  stop(): void {
    clearInterval(this.timer)
    this.presence.off('change', this.onPresence)
  }
}
