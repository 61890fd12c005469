/**
 * Types shared by the HTTP layer: what every router gets, and the Koa state of a request.
 * @module
 */
import type {} from '@koa/bodyparser'
import type { Context, ParameterizedContext } from 'koa'
import type { AuthState } from '../auth/middleware.js'
import type { Clock } from '../clock.js'
import type { RelayConfig } from '../config.js'
import type { Logger } from '../logger.js'
import type { RelayMetrics } from '../metrics/relay-metrics.js'
import type { RateLimiter } from '../rate-limit.js'
import type { ServerKey } from '../secrets.js'
import type { RelayServices } from '../services/index.js'
import type { Store } from '../store/store.js'

/** Dependencies of the routers. */
export interface HttpDeps {
  services: RelayServices
  config: RelayConfig
  metrics: RelayMetrics
  serverKey: ServerKey
  store: Store
  log: Logger
  clock: Clock
  /** Account endpoints per IP. */
  authLimiter: RateLimiter
  /** Lifecycle flags read by /readyz. */
  lifecycle: { shuttingDown: boolean }
}

/** A request that passed `requireAuth`. */
export type AuthedContext = ParameterizedContext<AuthState>

/** The client IP (proxy-aware when MT_TRUST_PROXY is set), without the IPv4-mapped prefix. */
export function clientIp(ctx: Context | AuthedContext): string {
  return (ctx.ip || 'unknown').replace(/^::ffff:/, '')
}
