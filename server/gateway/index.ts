/**
 * The relay's gateway (DESIGN "Server", issue 4 "WebSocket gateway"): the WebSocket endpoint
 * `/v1/ws` and the long-polling endpoint `POST /v1/poll` on the relay's HTTP server, both running
 * the same per-connection session machinery (`connection.ts`) over the relay core's services.
 *
 * Shutdown (`close`): stop accepting, stop reading frames, let the group committer flush what is
 * pending so every accepted request gets its answer, then close every connection with 1001. The
 * relay core closes the database afterwards.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { Middleware } from 'koa'
import { nobleProvider } from '../../sdk/crypto/noble.js'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { CLOSE_CODES, MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { Registry } from '../metrics/registry.js'
import type { Store } from '../store/store.js'
import type { GatewayContext, GatewayServices } from './context.js'
import { Hub } from './hub.js'
import { createGatewayMetrics } from './metrics.js'
import { resolveGatewayOptions, type GatewayOptions } from './options.js'
import { PollSessions, readBody } from './poll.js'
import { WsEndpoint } from './ws-server.js'

export type { GatewayOptions } from './options.js'
export type { GatewayServices } from './context.js'

/** What {@link createGateway} needs from the relay. */
export interface GatewayDeps {
  /** The relay's HTTP server; the gateway listens to its `upgrade` event. */
  server: Server
  services: GatewayServices
  store: Store
  /** Signs handshake transcripts with the relay's long-term Ed25519 key. */
  serverKey: { sign(message: Uint8Array): Uint8Array }
  clock: Clock
  log: Logger
  /** The relay's metrics registry (`/metrics`). */
  registry: Registry
  /** Take client addresses from X-Forwarded-For. */
  trustProxy?: boolean
  options?: GatewayOptions
  /** Crypto backend for frames and handshakes (the relay passes node:crypto's). */
  provider?: CryptoProvider
}

/** The running gateway. */
export interface Gateway {
  /** Koa middleware serving `POST /v1/poll` (mount it before the routers, after CORS). */
  readonly poll: Middleware
  /** Open connections (WebSocket and polling). */
  readonly connections: number
  /** Closes the connections signed in with revoked relay sessions (4003). */
  revoke(userId: number, sessionIds: readonly number[]): void
  /** Graceful shutdown; see the module comment. */
  close(): Promise<void>
}

/**
 * Attaches the gateway to the relay's HTTP server.
 * @example
 * ```ts
 * const gateway = createGateway({ server, services, store, serverKey, clock, log, registry: metrics.registry })
 * app.use(gateway.poll)
 * // on SIGTERM: await gateway.close(); then close the store
 * ```
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const options = resolveGatewayOptions(deps.options)
  const hub = new Hub(deps.services.presence, options.sweepIntervalMs, () => deps.clock.now())
  const ctx: GatewayContext = {
    options,
    provider: deps.provider ?? nobleProvider,
    sign: (m) => deps.serverKey.sign(m),
    clock: deps.clock,
    log: deps.log,
    metrics: createGatewayMetrics(deps.registry),
    services: deps.services,
    store: deps.store,
    hub,
    nodeTag: randomBytes(4).toString('hex'),
  }
  const ws = new WsEndpoint(deps.server, ctx, deps.trustProxy ?? false)
  const polls = new PollSessions(ctx)
  const pollBodyLimit = 4 * options.maxFrame + 1024
  let closing: Promise<void> | undefined

  const poll: Middleware = async (koa, next) => {
    if (koa.path !== '/v1/poll') return next()
    if (koa.method !== 'POST') throw new MtChatError('BAD_REQUEST', 'use POST /v1/poll', { details: { status: 405 } })
    const body = await readBody(koa.req, pollBodyLimit)
    const hint = typeof koa.query.auth_key_id === 'string' ? koa.query.auth_key_id : undefined
    const abort = new AbortController()
    // The response's 'close' before it finished is the client going away (the request's 'close'
    // only says its body was read).
    koa.res.once('close', () => {
      if (!koa.res.writableFinished) abort.abort()
    })
    const answer = await polls.handle(body, (koa.ip || 'unknown').replace(/^::ffff:/, ''), hint, abort.signal)
    koa.status = answer.status
    koa.type = answer.contentType
    koa.set('Cache-Control', 'no-store')
    koa.body = answer.body
  }

  return {
    poll,
    get connections() {
      return hub.size
    },
    revoke: (userId, sessionIds) => hub.revoke(userId, sessionIds),
    close() {
      closing ??= (async () => {
        ws.stopAccepting()
        hub.stopReading()
        // Every request already accepted gets its commit and its answer, written before the close.
        await deps.services.writer.drain()
        await hub.answered()
        polls.close()
        hub.closeAll(CLOSE_CODES.GOING_AWAY, 'relay shutting down')
        hub.stop()
        await hub.settle()
        ws.close()
      })()
      return closing
    },
  }
}
