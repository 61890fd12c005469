/**
 * Presence across relay nodes on Redis (DESIGN "Broker": presence keys with TTL).
 *
 * `<prefix>p:<userId>` is a sorted set of the nodes holding a signed-in session of the user, each
 * scored by an expiry time the node refreshes while it holds one; a crashed node's entries expire
 * by score, and the key itself by TTL. A user is online while the set has an unexpired member.
 * Transitions are broadcast on `<prefix>presence` so every node can push `update.presence` to its
 * subscribers; last_seen is written to the database by the node whose session was the last.
 * @module
 */
import { EventEmitter } from 'eventemitter3'
import type { Redis } from 'ioredis'
import type { PresenceSource } from '../services/presence.js'
import type { PresenceJson } from '../services/update-types.js'
import { lastSeenOf, setLastSeen } from '../store/users.js'
import type { BrokerDeps } from './types.js'

/** The presence half of the Redis broker. */
export class RedisPresence extends EventEmitter<{ change: [PresenceJson] }> implements PresenceSource {
  private readonly sessions = new Map<number, number>()
  private readonly timer: NodeJS.Timeout
  private closed = false
  /** Set by the broker's `attach`. */
  deps: BrokerDeps | undefined

  constructor(
    private readonly redis: Redis,
    private readonly o: { prefix: string; ttlMs: number; nodeId: string; announce: (p: PresenceJson) => void },
  ) {
    super()
    this.timer = setInterval(() => void this.refresh().catch((err: Error) => this.deps?.log?.warn({ err: { message: err.message } }, 'redis presence refresh failed')), Math.max(500, o.ttlMs / 3))
    this.timer.unref()
  }

  private key(userId: number): string {
    return `${this.o.prefix}p:${userId}`
  }

  connected(userId: number): void {
    const n = (this.sessions.get(userId) ?? 0) + 1
    this.sessions.set(userId, n)
    if (n > 1 || this.closed) return
    const now = Date.now()
    const key = this.key(userId)
    this.redis
      .multi()
      .zremrangebyscore(key, '-inf', now)
      .zcard(key)
      .zadd(key, now + this.o.ttlMs, this.o.nodeId)
      .pexpire(key, this.o.ttlMs * 2)
      .exec()
      .then((res) => {
        if (Number(res?.[1]?.[1] ?? 0) === 0) this.change({ user_id: userId, online: true })
      })
      .catch((err: Error) => this.deps?.log?.warn({ err: { message: err.message } }, 'redis presence update failed'))
  }

  async disconnected(userId: number): Promise<void> {
    const n = (this.sessions.get(userId) ?? 0) - 1
    if (n > 0) {
      this.sessions.set(userId, n)
      return
    }
    if (!this.sessions.delete(userId) || this.closed) return
    const key = this.key(userId)
    const res = await this.redis.multi().zrem(key, this.o.nodeId).zremrangebyscore(key, '-inf', Date.now()).zcard(key).exec()
    if (Number(res?.[2]?.[1] ?? 0) > 0) return
    const at = this.deps?.clock.now() ?? Date.now()
    if (this.deps) await setLastSeen(this.deps.store.knex, userId, at)
    this.change({ user_id: userId, online: false, last_seen: at })
  }

  private change(p: PresenceJson): void {
    this.emit('change', p)
    this.o.announce(p)
  }

  /** A transition announced by another node. */
  remoteChange(p: PresenceJson): void {
    this.emit('change', p)
  }

  async statuses(userIds: readonly number[]): Promise<PresenceJson[]> {
    if (userIds.length === 0) return []
    const now = Date.now()
    const p = this.redis.pipeline()
    for (const id of userIds) p.zcount(this.key(id), now, '+inf')
    const res = (await p.exec()) ?? []
    const online = userIds.map((_, i) => Number(res[i]?.[1] ?? 0) > 0)
    const seen = this.deps ? await lastSeenOf(this.deps.store.reader, userIds.filter((_, i) => !online[i])) : new Map<number, number>()
    return userIds.map((id, i) => {
      if (online[i]) return { user_id: id, online: true }
      const last = seen.get(id)
      return last === undefined ? { user_id: id, online: false } : { user_id: id, online: false, last_seen: last }
    })
  }

  private async refresh(): Promise<void> {
    if (this.sessions.size === 0 || this.closed) return
    const expiry = Date.now() + this.o.ttlMs
    const p = this.redis.pipeline()
    for (const userId of this.sessions.keys()) p.zadd(this.key(userId), expiry, this.o.nodeId).pexpire(this.key(userId), this.o.ttlMs * 2)
    await p.exec()
  }

  /** Removes this node's entries (best effort: they expire anyway). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    const users = [...this.sessions.keys()]
    this.sessions.clear()
    this.removeAllListeners()
    if (users.length === 0) return
    const p = this.redis.pipeline()
    for (const id of users) p.zrem(this.key(id), this.o.nodeId)
    await p.exec().catch(() => undefined)
  }
}
