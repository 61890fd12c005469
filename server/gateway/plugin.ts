/**
 * The gateway as a relay plugin (`createRelay({ plugins: [gatewayPlugin()] })`): attaches the
 * WebSocket endpoint to the relay's HTTP server, adds `POST /v1/poll`, closes connections whose
 * relay session is revoked, and hands the broker (when one is used as the relay's bus and
 * presence) the relay's store. At shutdown the relay calls `close()` after it stopped accepting
 * and before storage closes.
 * @module
 */
import { nodeProvider } from '../../sdk/crypto/node.js'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { createBroker } from '../broker/index.js'
import type { Broker } from '../broker/types.js'
import { createRelay, type Relay, type RelayOptions, type RelayPlugin } from '../relay.js'
import { createGateway, type Gateway } from './index.js'
import type { GatewayOptions } from './options.js'

/** Options of {@link gatewayPlugin}. */
export interface GatewayPluginOptions {
  /** The broker passed to `createRelay` as `bus` and `presence` (multi-node); omit for one node. */
  broker?: Broker
  /** Limits and timers; `maxFrame` defaults to the relay's `MT_MAX_FRAME`. */
  options?: GatewayOptions
  /** Crypto backend (default node:crypto). */
  provider?: CryptoProvider
}

/** The plugin, with the running gateway once set up. */
export interface GatewayPlugin extends RelayPlugin {
  readonly gateway: Gateway | undefined
}

/**
 * Creates the gateway plugin.
 * @example
 * ```ts
 * const relay = await createRelay({ port: 8080, plugins: [gatewayPlugin()] })
 * await relay.listen() // ws://localhost:8080/v1/ws and POST /v1/poll
 * ```
 */
export function gatewayPlugin(o: GatewayPluginOptions = {}): GatewayPlugin {
  let gateway: Gateway | undefined
  return {
    name: 'gateway',
    get gateway() {
      return gateway
    },
    setup(relay: Relay) {
      o.broker?.attach({ store: relay.store, clock: relay.clock, log: relay.log })
      const g = createGateway({
        server: relay.httpServer,
        services: relay.services,
        store: relay.store,
        serverKey: relay.serverKey,
        clock: relay.clock,
        log: relay.log,
        registry: relay.metrics.registry,
        trustProxy: relay.config.trustProxy,
        options: { maxFrame: relay.config.maxFrame, ...o.options },
        provider: o.provider ?? nodeProvider,
      })
      relay.v1.post('/poll', g.poll)
      relay.events.on('session.revoked', ({ userId, sessionIds }) => g.revoke(userId, sessionIds))
      gateway = g
    },
    async close() {
      await gateway?.close()
    },
  }
}

/** Options of {@link createChatRelay}: the relay's, plus the gateway's limits. */
export type ChatRelayOptions = RelayOptions & { gateway?: GatewayOptions }

/**
 * A relay with the gateway, and with the Redis broker as its update bus and presence when
 * `redisUrl` (`REDIS_URL`) is set — what `mt-chat-server start` runs.
 * @example
 * ```ts
 * const relay = await createChatRelay({ port: 8080, redisUrl: process.env.REDIS_URL })
 * await relay.listen()
 * ```
 */
export async function createChatRelay(options: ChatRelayOptions = {}): Promise<Relay> {
  const { gateway, ...relayOptions } = options
  const broker = relayOptions.redisUrl ? await createBroker({ redisUrl: relayOptions.redisUrl }) : undefined
  try {
    return await createRelay({
      ...relayOptions,
      ...(broker ? { bus: broker, presence: broker.presence } : {}),
      plugins: [...(relayOptions.plugins ?? []), gatewayPlugin({ broker, options: gateway })],
    })
  } catch (err) {
    await broker?.close()
    throw err
  }
}
