/**
 * The in-process broker (the default): updates go from the group committer to the sessions of
 * the same process through the relay core's {@link LocalUpdateBus}; presence is the relay core's
 * {@link LocalPresence} (a count of signed-in sessions per user).
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.js'
import { LocalPresence } from '../services/presence.js'
import { LocalUpdateBus, type Delivery } from '../services/update-bus.js'
import type { Store } from '../store/store.js'
import type { Broker, BrokerDeps } from './types.js'

/**
 * One-node broker.
 * @example
 * ```ts
 * const broker = new LocalBroker()
 * broker.attach({ store, clock })
 * const off = broker.subscribe(7, (d) => push(d.update))
 * broker.presence.connected(7) // presence listeners see { user_id: 7, online: true }
 * ```
 */
export class LocalBroker implements Broker {
  readonly kind = 'local'
  readonly nodeId = randomBytes(6).toString('hex')
  readonly presence: LocalPresence
  private readonly bus = new LocalUpdateBus()
  // LocalPresence reads its deps only when a session closes or statuses are asked: filled by attach().
  private readonly deps = {} as { store: Store; clock: Clock }

  constructor() {
    this.presence = new LocalPresence(this.deps)
  }

  attach(deps: BrokerDeps): void {
    this.deps.store = deps.store
    this.deps.clock = deps.clock
  }

  publish(deliveries: readonly Delivery[]): void {
    this.bus.publish(deliveries)
  }

  subscribe(userId: number, listener: (delivery: Delivery) => void): () => void {
    return this.bus.subscribe(userId, listener)
  }

  async close(): Promise<void> {
    this.presence.removeAllListeners()
    await this.bus.close()
  }
}
