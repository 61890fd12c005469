/**
 * `createRelay(options)`: wires configuration, secrets, storage, services and the HTTP app into one
 * relay with a node http server, and shuts it down gracefully (issue 4). The WebSocket gateway and
 * the long-polling route plug in as a {@link RelayPlugin}: `setup(relay)` can attach to
 * `relay.httpServer` ('upgrade' on /v1/ws) and add routes to `relay.v1` (`POST /v1/poll`);
 * `close()` runs at shutdown after the server stopped accepting and before storage closes.
 * @module
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Router } from '@koa/router'
import { EventEmitter } from 'eventemitter3'
import type Koa from 'koa'
import type { DestinationStream } from 'pino'
import { MtChatError } from '../sdk/errors.js'
import { AccountService } from './auth/accounts.js'
import { Authenticator } from './auth/authenticate.js'
import { HostJwtVerifier } from './auth/jwt.js'
import { LoginGuard } from './auth/lockout.js'
import { OtpService } from './auth/otp.js'
import { ConsoleSender, selectSender, type OtpSender } from './auth/senders/index.js'
import { SessionService } from './auth/sessions.js'
import { systemClock, type Clock } from './clock.js'
import { resolveConfig, type RelayConfig, type RelayConfigInput } from './config.js'
import { InFlight } from './http/access-log.js'
import { createApp } from './http/app.js'
import type { HttpDeps } from './http/context.js'
import { createLogger, type Logger } from './logger.js'
import { createRelayMetrics, type RelayMetrics } from './metrics/relay-metrics.js'
import { RateLimiter } from './rate-limit.js'
import { loadServerKey, loadStorageKeys, type ServerKey } from './secrets.js'
import { AuditLog } from './services/audit.js'
import { FileService } from './services/files.js'
import { GroupCommitter } from './services/group-commit.js'
import type { RelayServices } from './services/index.js'
import { KeyService } from './services/keys.js'
import { Maintenance, type MaintenanceReport } from './services/maintenance.js'
import { MessageService } from './services/messages.js'
import { LocalPresence, type PresenceSource } from './services/presence.js'
import { LocalUpdateBus, type UpdateBus } from './services/update-bus.js'
import { UpdateService } from './services/updates.js'
import { UserService } from './services/users.js'
import { Store } from './store/store.js'
import { RELAY_VERSION } from './version.js'

/** Something that extends the relay (the gateway, long polling, a broker). */
export interface RelayPlugin {
  readonly name: string
  /** Runs once after storage and the app exist, before `listen()`. */
  setup(relay: Relay): void | Promise<void>
  /** Runs at shutdown (reverse order), after the server stopped accepting, before storage closes. */
  close?(): Promise<void>
}

/** Events of the relay core for plugins. */
export interface RelayEvents {
  /** Sessions were revoked (logout, password reset): close connections signed in with them. */
  'session.revoked': [{ userId: number; sessionIds: number[] }]
}

/** Runtime options besides the configuration. */
export interface RelayRuntimeOptions {
  /** Time source (tests inject one to expire codes and lockouts). */
  clock?: Clock
  /** A logger to use instead of creating one. */
  logger?: Logger
  /** Where the created logger writes (default stdout). */
  logDestination?: DestinationStream
  /** Code delivery instead of the configured one. */
  otpSender?: OtpSender
  /** Update bus instead of the in-process one (a broker's). */
  bus?: UpdateBus
  /** Presence instead of the in-process one (a broker's). */
  presence?: PresenceSource
  /** Plugins to set up before `listen()`. */
  plugins?: RelayPlugin[]
  /** Run the housekeeping loop (default true). */
  maintenance?: boolean
}

/** `createRelay` options: configuration (see `mt-chat-server --help`) plus runtime options. */
export type RelayOptions = RelayConfigInput & RelayRuntimeOptions

/** A running (or ready to listen) relay. */
export interface Relay {
  readonly config: RelayConfig
  readonly version: string
  readonly app: Koa
  /** The `/v1` router: plugins add routes here (e.g. `POST /v1/poll`). */
  readonly v1: Router
  /** The node http server: plugins attach WebSocket upgrades here. */
  readonly httpServer: Server
  readonly store: Store
  readonly services: RelayServices
  readonly metrics: RelayMetrics
  readonly log: Logger
  readonly clock: Clock
  readonly serverKey: ServerKey
  readonly events: EventEmitter<RelayEvents>
  /** `http://host:port` once listening. */
  readonly url: string
  /** The bound port once listening. */
  readonly port: number
  /** True from the start of `close()`. */
  readonly closing: boolean
  /** Runs one housekeeping pass now (also runs every minute unless `maintenance: false`). */
  runMaintenance(): Promise<MaintenanceReport>
  /** Sets up a plugin (before `listen()`). */
  use(plugin: RelayPlugin): Promise<void>
  /** Starts accepting connections. */
  listen(): Promise<{ url: string; port: number }>
  /** Graceful shutdown: stop accepting, drain requests, close plugins, flush, close storage. */
  close(): Promise<void>
}

const RUNTIME_KEYS = ['clock', 'logger', 'logDestination', 'otpSender', 'bus', 'presence', 'plugins', 'maintenance'] as const

/**
 * Creates a relay: validates the config, loads or generates its keys, opens and migrates storage,
 * builds the services and the HTTP app. Call `listen()` to serve.
 * @example
 * ```ts
 * import { createRelay } from 'mt-chat/server'
 * const relay = await createRelay({ port: 8080, dataDir: './data' })
 * const { url } = await relay.listen()
 * process.on('SIGTERM', () => relay.close())
 * ```
 */
export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const input: Record<string, unknown> = { ...options }
  for (const k of RUNTIME_KEYS) delete input[k]
  const config = resolveConfig(input as RelayConfigInput)
  const clock = options.clock ?? systemClock
  const log = options.logger ?? createLogger({ level: config.logLevel, destination: options.logDestination })

  const server = loadServerKey(config.serverKey, config.dataDir)
  const storage = loadStorageKeys(config.storageKey, config.dataDir)
  if (config.databaseUrl && (server.source !== 'config' || storage.source !== 'config'))
    log.warn('PostgreSQL with keys from the data dir: several relay nodes need the same MT_SERVER_KEY and MT_STORAGE_KEY')
  const jwt = await HostJwtVerifier.create(config)
  const sender = options.otpSender ?? selectSender(config)
  if (config.requireVerification && !sender)
    throw new MtChatError('INVALID_ARGUMENT', 'Invalid relay configuration:\n  MT_REQUIRE_VERIFICATION needs MT_SMTP_URL or MT_OTP_WEBHOOK in production', { op: 'config' })
  if (sender instanceof ConsoleSender) log.warn('development mode: one-time codes are printed to this console (stderr); set NODE_ENV=production with MT_SMTP_URL or MT_OTP_WEBHOOK')

  const store = await Store.open({ ...config, storageKeys: storage.keys })
  try {
    const applied = await store.migrate()
    if (applied.length) log.info({ applied }, 'database migrated')
  } catch (err) {
    await store.close()
    throw err
  }

  const metrics = createRelayMetrics()
  const events = new EventEmitter<RelayEvents>()
  const bus = options.bus ?? new LocalUpdateBus()
  const presence = options.presence ?? new LocalPresence({ store, clock })
  const audit = new AuditLog({ store, clock, log, metrics })
  const sessions = new SessionService({ store, clock, ttlSeconds: config.sessionTtl, onRevoke: (userId, sessionIds) => events.emit('session.revoked', { userId, sessionIds }) })
  const otp = new OtpService({ store, clock, log, sender, pepper: server.key.derive('otp') })
  const guard = new LoginGuard({
    store,
    clock,
    account: { maxFailures: config.loginMaxFailures, windowMs: config.loginWindow * 1000, lockoutMs: config.loginLockout * 1000 },
    ip: { maxFailures: config.loginIpMaxFailures, windowMs: config.loginWindow * 1000, lockoutMs: config.loginLockout * 1000 },
  })
  const messages = new MessageService({ store, clock, bus, audit, searchScanLimit: config.searchScanLimit })
  const services: RelayServices = {
    auth: new Authenticator({ store, clock, sessions, jwt }),
    accounts: new AccountService({ store, clock, sessions, guard, otp, audit, metrics, jwt, scryptCost: config.scryptCost, requireVerification: config.requireVerification }),
    sessions,
    otp,
    users: new UserService({ store, presence }),
    presence,
    keys: new KeyService({ store, clock, bus, audit, fetchLimiter: new RateLimiter(config.rateKeys, 60_000, clock) }),
    files: new FileService({ store, clock, audit, maxFileSize: config.maxFileSize }),
    messages,
    updates: new UpdateService({ store, clock }),
    writer: new GroupCommitter({ store, clock, bus, metrics }),
    bus,
    audit,
  }

  const lifecycle = { shuttingDown: false }
  const deps: HttpDeps = { services, config, metrics, serverKey: server.key, store, log, clock, authLimiter: new RateLimiter(config.rateAuth, 60_000, clock), lifecycle }
  const inFlight = new InFlight()
  const { app, v1 } = createApp(deps, inFlight, RELAY_VERSION)
  const httpServer = createServer(app.callback())
  const maintenance = new Maintenance({ store, clock, log, messages, lockoutMs: config.loginLockout * 1000 })
  if (options.maintenance !== false) maintenance.start()

  const plugins: RelayPlugin[] = []
  let address: { url: string; port: number } | undefined
  let closing: Promise<void> | undefined

  const relay: Relay = {
    config,
    version: RELAY_VERSION,
    app,
    v1,
    httpServer,
    store,
    services,
    metrics,
    log,
    clock,
    serverKey: server.key,
    events,
    get url() {
      if (!address) throw new MtChatError('INVALID_STATE', 'the relay is not listening yet')
      return address.url
    },
    get port() {
      if (!address) throw new MtChatError('INVALID_STATE', 'the relay is not listening yet')
      return address.port
    },
    get closing() {
      return lifecycle.shuttingDown
    },
    runMaintenance: () => maintenance.runOnce(),
    async use(plugin) {
      if (address) throw new MtChatError('INVALID_STATE', `plugin ${plugin.name} must be set up before listen()`)
      await plugin.setup(relay)
      plugins.push(plugin)
    },
    listen() {
      if (address) return Promise.resolve(address)
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject)
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject)
          const a = httpServer.address() as AddressInfo
          const host = !config.host || config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host
          address = { url: `http://${host}:${a.port}`, port: a.port }
          log.info({ url: address.url, store: store.location, version: RELAY_VERSION }, 'relay listening')
          resolve(address)
        })
      })
    },
    close() {
      closing ??= (async () => {
        lifecycle.shuttingDown = true
        const stopped = new Promise<void>((resolve) => (httpServer.listening ? httpServer.close(() => resolve()) : resolve()))
        httpServer.closeIdleConnections()
        for (const p of [...plugins].reverse())
          await p.close?.().catch((err: unknown) => log.error({ err, plugin: p.name }, 'plugin failed to close'))
        const drained = await inFlight.idle(config.shutdownTimeout * 1000)
        if (!drained) log.warn({ inFlight: inFlight.count }, 'shutdown timeout: closing connections with requests in flight')
        httpServer.closeAllConnections()
        await stopped
        await maintenance.stop()
        await services.writer.close()
        await audit.close()
        await bus.close()
        await store.close()
        log.info('relay stopped')
      })()
      return closing
    },
  }
  for (const p of options.plugins ?? []) await relay.use(p)
  return relay
}
