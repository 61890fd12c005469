/**
 * The broker: how updates and presence travel between the relay's sessions (DESIGN "Server",
 * "Broker"). It is the relay core's {@link UpdateBus} plus a {@link PresenceSource}, with two
 * implementations: in-process (`local.ts`, one node, the default) and Redis pub/sub with presence
 * keys that expire (`redis.ts`, `REDIS_URL`), so several relay nodes on the same database deliver
 * to each other.
 *
 * Delivery is best-effort by design (docs/PROTOCOL.md §3.1): the update log is the truth and a
 * session that misses a push catches up with `updates.getDifference(pts)`.
 * @module
 */
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { PresenceSource } from '../services/presence.js'
import type { UpdateBus } from '../services/update-bus.js'
import type { Store } from '../store/store.js'

/** Update bus + presence, shared by every relay node that uses the same broker. */
export interface Broker extends UpdateBus {
  /** `local` (one process) or `redis`. */
  readonly kind: 'local' | 'redis'
  /** This node's id (random per process). */
  readonly nodeId: string
  /** Who is online, on any node of this broker; the gateway feeds it, HTTP and the gateway read it. */
  readonly presence: PresenceSource
  /**
   * Hands over the relay's store (last_seen lives in the database), clock and logger. A broker is
   * made before the relay (it is the relay's `bus` and `presence`), so this comes once the relay
   * exists (the gateway plugin's setup), before any session signs in.
   */
  attach(deps: BrokerDeps): void
}

/** What a broker needs from the relay: last_seen lives in the database. */
export interface BrokerDeps {
  store: Store
  clock: Clock
  log?: Logger
}
