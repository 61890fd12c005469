/**
 * Picks the broker: Redis when `REDIS_URL` is set, else in-process (DESIGN "Broker").
 * @module
 */
import { LocalBroker } from './local.js'
import { RedisBroker } from './redis.js'
import type { Broker } from './types.js'

export type { Broker, BrokerDeps } from './types.js'
export { LocalBroker } from './local.js'
export { RedisBroker, type RedisBrokerOptions } from './redis.js'

/**
 * Creates the configured broker.
 * @example
 * ```ts
 * const broker = await createBroker({ redisUrl: config.redisUrl })
 * const relay = await createRelay({ ...config, bus: broker, presence: broker.presence, plugins: [gatewayPlugin({ broker })] })
 * ```
 */
export async function createBroker(options: { redisUrl?: string; redisPrefix?: string }): Promise<Broker> {
  if (!options.redisUrl) return new LocalBroker()
  return RedisBroker.connect({ url: options.redisUrl, prefix: options.redisPrefix })
}
