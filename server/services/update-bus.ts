/**
 * How committed updates reach the connected sessions of their users (docs/PROTOCOL.md §3.1). The
 * store appends to the update log and, only after the commit, publishes here; the gateway
 * subscribes per signed-in user and pushes. {@link LocalUpdateBus} serves one process; the broker
 * (server/broker) provides a Redis-backed bus with the same interface for several nodes.
 *
 * Delivery is best-effort by design: a session that misses a push (offline, slow, another node
 * down) catches up with `updates.getDifference(pts)` from the durable log.
 * @module
 */
import { EventEmitter } from 'eventemitter3'
import type { Update } from './update-types.js'

/** One update for one user (or one device of that user, for secret envelopes). */
export interface Delivery {
  userId: number
  /** Set for device-addressed updates (`update.secret`, `update.prekeysLow`): only that device. */
  deviceId?: string
  update: Update
  /** Opaque tag of the session that caused it (the gateway skips pushing it back there). */
  origin?: string
}

/** Publish/subscribe of updates by user. */
export interface UpdateBus {
  /** Hands deliveries to every subscriber of their users (synchronously for the local bus). */
  publish(deliveries: readonly Delivery[]): void
  /** Calls `listener` for each delivery to `userId` until the returned function is called. */
  subscribe(userId: number, listener: (delivery: Delivery) => void): () => void
  close(): Promise<void>
}

/** In-process bus: a map of user id → listeners. */
export class LocalUpdateBus implements UpdateBus {
  private readonly emitter = new EventEmitter<Record<string, [Delivery]>>()

  publish(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) this.emitter.emit(String(d.userId), d)
  }

  subscribe(userId: number, listener: (delivery: Delivery) => void): () => void {
    const key = String(userId)
    this.emitter.on(key, listener)
    return () => {
      this.emitter.off(key, listener)
    }
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners()
  }
}
