/**
 * `mt-chat/server` — the mt-chat relay for Node: HTTP API, storage, accounts, and the plugin hook
 * the WebSocket gateway uses. Explicit exports only (STYLE "Layout and size").
 *
 * @example
 * ```ts
 * import { createRelay } from 'mt-chat/server'
 * const relay = await createRelay({ port: 8080 })
 * console.log((await relay.listen()).url)
 * ```
 * @module
 */
export { createRelay } from './relay.js'
export type { Relay, RelayEvents, RelayOptions, RelayPlugin, RelayRuntimeOptions } from './relay.js'
export { parseCommandLine, resolveConfig } from './config.js'
export type { CommandLine, RelayConfig, RelayConfigInput } from './config.js'
export { helpText } from './config-options.js'
export { systemClock } from './clock.js'
export type { Clock } from './clock.js'
export { createLogger } from './logger.js'
export type { Logger, LoggerOptions } from './logger.js'
export { Counter, Gauge, Histogram, Registry, PROMETHEUS_CONTENT_TYPE } from './metrics/registry.js'
export type { RelayMetrics } from './metrics/relay-metrics.js'
export type { ServerKey } from './secrets.js'
export type { Store, StoreOptions } from './store/store.js'
export type { AuthContext } from './auth/authenticate.js'
export type { OtpMessage, OtpSender, OtpChannel } from './auth/senders/index.js'
export type { RelayServices } from './services/index.js'
export { LocalUpdateBus } from './services/update-bus.js'
export type { Delivery, UpdateBus } from './services/update-bus.js'
export { LocalPresence } from './services/presence.js'
export type { PresenceSource } from './services/presence.js'
export type { GroupCommitOptions } from './services/group-commit.js'
export type { MaintenanceReport } from './services/maintenance.js'
export type {
  AckResult, AckSecretOp, DeliveredOp, ReadOp, ReadResult, ResultOf, SendOp, SendResult, SendSecretOp, SendSecretResult, WriteOp, WriteOutcome,
} from './services/write-ops.js'
export type {
  CloudMessageJson, EphemeralUpdate, FileRefJson, MessageStatus, PresenceJson, SecretEnvelopeJson, SecretInitJson, StoredUpdate, Update,
} from './services/update-types.js'
export { RELAY_VERSION } from './version.js'
// The gateway (WebSocket + long-polling) and the broker (in-process or Redis).
export { createChatRelay, gatewayPlugin } from './gateway/plugin.js'
export type { ChatRelayOptions, GatewayPlugin, GatewayPluginOptions } from './gateway/plugin.js'
export { createGateway } from './gateway/index.js'
export type { Gateway, GatewayDeps, GatewayOptions, GatewayServices } from './gateway/index.js'
export { createBroker, LocalBroker, RedisBroker } from './broker/index.js'
export type { Broker, BrokerDeps, RedisBrokerOptions } from './broker/index.js'
