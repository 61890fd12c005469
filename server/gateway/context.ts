/**
 * What the gateway's connections and RPC handlers share: the relay core's services (token check,
 * group committer, update log, history, keys, audit, update bus, presence), the store, the relay's
 * signing key, metrics, logger, clock and limits. Built once by `createGateway`.
 * @module
 */
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { RelayServices } from '../services/index.js'
import type { Store } from '../store/store.js'
import type { Hub } from './hub.js'
import type { GatewayMetrics } from './metrics.js'
import type { ResolvedGatewayOptions } from './options.js'

/** The relay core services the gateway uses. */
export type GatewayServices = Pick<RelayServices, 'auth' | 'audit' | 'writer' | 'updates' | 'messages' | 'keys' | 'bus' | 'presence'>

/** Shared by every connection of one gateway. */
export interface GatewayContext {
  readonly options: ResolvedGatewayOptions
  readonly provider: CryptoProvider
  /** Ed25519-signs a handshake transcript with the relay's long-term key (§2.2). */
  readonly sign: (message: Uint8Array) => Uint8Array
  readonly clock: Clock
  readonly log: Logger
  readonly metrics: GatewayMetrics
  readonly services: GatewayServices
  readonly store: Store
  readonly hub: Hub
  /** Random per gateway: prefixes connection tags (the `origin` of deliveries). */
  readonly nodeTag: string
}
