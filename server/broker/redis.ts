/**
 * The Redis broker (`REDIS_URL`): several relay nodes on one database deliver to each other
 * (DESIGN "Broker").
 *
 * Updates: a node publishes each batch of committed deliveries on the channels of their users
 * (`<prefix>u:<userId>`, JSON `{ n: nodeId, d: Delivery[] }`) and hands them to its own sessions
 * directly; a node subscribes to a user's channel while it holds a session of that user and drops
 * the echo of its own publications. Pub/sub keeps no backlog: a node that was away misses pushes,
 * and its clients catch up from the durable log with `updates.getDifference` (§3.1).
 * Presence: see `redis-presence.ts`.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'eventemitter3'
import { Redis } from 'ioredis'
import type { Delivery } from '../services/update-bus.js'
import type { PresenceJson } from '../services/update-types.js'
import { RedisPresence } from './redis-presence.js'
import type { Broker, BrokerDeps } from './types.js'

/** Options of {@link RedisBroker.connect}. */
export interface RedisBrokerOptions {
  url: string
  /** Key and channel prefix (default `mt:`); tests use a unique one. */
  prefix?: string
  /** How long a node's presence entry lives without a refresh (ms, default 30 s). */
  presenceTtlMs?: number
}

interface UpdateMessage {
  n: string
  d: Delivery[]
}

interface PresenceMessage {
  n: string
  p: PresenceJson
}

/**
 * Multi-node broker on Redis pub/sub.
 * @example
 * ```ts
 * const broker = await RedisBroker.connect({ url: 'redis://127.0.0.1:6379' })
 * broker.attach({ store, clock, log })
 * broker.subscribe(7, (d) => push(d.update)) // also gets what other nodes publish for user 7
 * ```
 */
export class RedisBroker implements Broker {
  readonly kind = 'redis'
  readonly nodeId = randomBytes(6).toString('hex')
  readonly presence: RedisPresence
  private readonly local = new EventEmitter<Record<string, [Delivery]>>()
  private readonly prefix: string
  private closed = false

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    options: RedisBrokerOptions,
  ) {
    this.prefix = options.prefix ?? 'mt:'
    const log = () => this.presence.deps?.log
    for (const r of [pub, sub]) r.on('error', (err: Error) => log()?.warn({ err: { message: err.message } }, 'redis broker: connection error'))
    this.presence = new RedisPresence(pub, {
      prefix: this.prefix,
      ttlMs: options.presenceTtlMs ?? 30_000,
      nodeId: this.nodeId,
      announce: (p) => void this.pub.publish(this.presenceChannel, JSON.stringify({ n: this.nodeId, p } satisfies PresenceMessage)).catch(() => undefined),
    })
    sub.on('message', (channel: string, text: string) => {
      let msg: UpdateMessage | PresenceMessage
      try {
        msg = JSON.parse(text) as UpdateMessage | PresenceMessage
      } catch {
        log()?.warn({ channel }, 'redis broker: unparsable message')
        return
      }
      if (msg.n === this.nodeId) return
      if (channel === this.presenceChannel) this.presence.remoteChange((msg as PresenceMessage).p)
      else for (const d of (msg as UpdateMessage).d) this.local.emit(String(d.userId), d)
    })
  }

  /** Connects both Redis connections (commands and subscriptions) and listens for presence. */
  static async connect(options: RedisBrokerOptions): Promise<RedisBroker> {
    const pub = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true })
    const sub = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2 })
    try {
      await Promise.all([pub.connect(), sub.connect()])
      const broker = new RedisBroker(pub, sub, options)
      await sub.subscribe(broker.presenceChannel)
      return broker
    } catch (err) {
      pub.disconnect()
      sub.disconnect()
      throw err
    }
  }

  attach(deps: BrokerDeps): void {
    this.presence.deps = deps
  }

  private get presenceChannel(): string {
    return `${this.prefix}presence`
  }

  private userChannel(userId: number): string {
    return `${this.prefix}u:${userId}`
  }

  publish(deliveries: readonly Delivery[]): void {
    if (deliveries.length === 0) return
    for (const d of deliveries) this.local.emit(String(d.userId), d)
    if (this.closed) return
    const byUser = new Map<number, Delivery[]>()
    for (const d of deliveries) {
      const list = byUser.get(d.userId)
      if (list) list.push(d)
      else byUser.set(d.userId, [d])
    }
    for (const [userId, d] of byUser)
      // Best effort: a lost publication is recovered by getDifference.
      this.pub.publish(this.userChannel(userId), JSON.stringify({ n: this.nodeId, d } satisfies UpdateMessage)).catch(() => undefined)
  }

  subscribe(userId: number, listener: (delivery: Delivery) => void): () => void {
    const key = String(userId)
    if (this.local.listenerCount(key) === 0 && !this.closed) void this.sub.subscribe(this.userChannel(userId)).catch(() => undefined)
    this.local.on(key, listener)
    return () => {
      this.local.off(key, listener)
      if (this.local.listenerCount(key) === 0 && !this.closed) void this.sub.unsubscribe(this.userChannel(userId)).catch(() => undefined)
    }
  }

  /** Resolves once this node's subscription to `userId`'s channel is active (for tests and joins). */
  async ready(userId: number): Promise<void> {
    await this.sub.subscribe(this.userChannel(userId))
  }

  /** Removes this node's presence entries and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.presence.close()
    this.closed = true
    this.local.removeAllListeners()
    await Promise.allSettled([this.sub.quit(), this.pub.quit()])
  }
}
