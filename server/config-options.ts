/**
 * The relay's configuration options: one table that drives environment parsing, CLI flag parsing
 * and `mt-chat-server --help`, so the three can never disagree (issue 4, "Start and configuration").
 *
 * Each option names its env var, its flag and how a string becomes a typed value; ranges and
 * cross-field rules are checked afterwards by the valibot schema in `config.ts`.
 * @module
 */

/** How a raw string from env or argv turns into a value. */
export type OptionKind = 'string' | 'int' | 'bool' | 'list' | 'enum'

/** One configurable setting. */
export interface OptionSpec {
  /** Key in {@link RelayConfigInput}. */
  key: string
  /** Environment variable. */
  env: string
  /** CLI flag without the leading dashes. */
  flag: string
  kind: OptionKind
  /** For `enum`: the allowed values. */
  values?: readonly string[]
  /** Shown in `--help`. */
  help: string
  /** Default shown in `--help` (the real default lives in the schema). */
  def?: string
  /** Never echoed back in errors (keys, secrets, URLs with passwords). */
  secret?: boolean
}

/** Every option, in the order `--help` lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { key: 'port', env: 'PORT', flag: 'port', kind: 'int', help: 'TCP port to listen on (0 = any free port)', def: '8080' },
  { key: 'host', env: 'HOST', flag: 'host', kind: 'string', help: 'Interface to bind', def: 'all interfaces' },
  { key: 'nodeEnv', env: 'NODE_ENV', flag: 'node-env', kind: 'enum', values: ['development', 'production', 'test'], help: 'development prints OTP codes to the console; production never does', def: 'development' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: 'log-level', kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'pino log level', def: 'info' },
  { key: 'dataDir', env: 'MT_DATA_DIR', flag: 'data-dir', kind: 'string', help: 'Directory for the SQLite file, generated keys and file chunks', def: './data' },
  { key: 'databaseUrl', env: 'DATABASE_URL', flag: 'database-url', kind: 'string', help: 'postgres://… to use PostgreSQL; unset = SQLite in the data dir', secret: true },
  { key: 'dbSchema', env: 'MT_DB_SCHEMA', flag: 'db-schema', kind: 'string', help: 'PostgreSQL schema for the tables', def: 'public' },
  { key: 'dbPoolMax', env: 'MT_DB_POOL_MAX', flag: 'db-pool-max', kind: 'int', help: 'PostgreSQL connection pool size', def: '10' },
  { key: 'redisUrl', env: 'REDIS_URL', flag: 'redis-url', kind: 'string', help: 'redis://… for multi-node delivery (broker)', secret: true },
  { key: 'serverKey', env: 'MT_SERVER_KEY', flag: 'server-key', kind: 'string', help: 'Ed25519 seed of the relay (32 bytes, base64 or hex); unset = generated once in the data dir', secret: true },
  { key: 'storageKey', env: 'MT_STORAGE_KEY', flag: 'storage-key', kind: 'string', help: 'At-rest keys "id:base64key[,id:base64key…]", first = current; unset = generated once in the data dir', secret: true },
  { key: 'jwtSecret', env: 'MT_JWT_SECRET', flag: 'jwt-secret', kind: 'string', help: 'HS256 secret (≥ 32 bytes) of host-signed JWTs', secret: true },
  { key: 'jwtPublicKey', env: 'MT_JWT_PUBLIC_KEY', flag: 'jwt-public-key', kind: 'string', help: 'PEM (SPKI) or JWK public key of host-signed JWTs (EdDSA, ES256, RS256)' },
  { key: 'jwtAlg', env: 'MT_JWT_ALG', flag: 'jwt-alg', kind: 'enum', values: ['HS256', 'EdDSA', 'ES256', 'RS256'], help: 'JWT algorithm', def: 'inferred from the key' },
  { key: 'jwtIssuer', env: 'MT_JWT_ISSUER', flag: 'jwt-issuer', kind: 'string', help: 'Required `iss` of host JWTs' },
  { key: 'jwtAudience', env: 'MT_JWT_AUDIENCE', flag: 'jwt-audience', kind: 'string', help: 'Required `aud` of host JWTs' },
  { key: 'corsOrigins', env: 'CORS_ORIGINS', flag: 'cors-origins', kind: 'list', help: 'Allowed origins, comma-separated, or *', def: '*' },
  { key: 'trustProxy', env: 'MT_TRUST_PROXY', flag: 'trust-proxy', kind: 'bool', help: 'Take the client IP from X-Forwarded-For (behind a proxy only)', def: 'false' },
  { key: 'smtpUrl', env: 'MT_SMTP_URL', flag: 'smtp-url', kind: 'string', help: 'smtp(s)://… to email one-time codes', secret: true },
  { key: 'smtpFrom', env: 'MT_SMTP_FROM', flag: 'smtp-from', kind: 'string', help: 'From address of code emails', def: 'mt-chat <no-reply@localhost>' },
  { key: 'otpWebhook', env: 'MT_OTP_WEBHOOK', flag: 'otp-webhook', kind: 'string', help: 'URL that receives one-time codes as JSON POSTs (e.g. an SMS gateway)', secret: true },
  { key: 'requireVerification', env: 'MT_REQUIRE_VERIFICATION', flag: 'require-verification', kind: 'bool', help: 'Email/phone must be verified with a code before login', def: 'true when SMTP or a webhook is set' },
  { key: 'sessionTtl', env: 'MT_SESSION_TTL', flag: 'session-ttl', kind: 'int', help: 'Session token lifetime in seconds', def: '2592000 (30 days)' },
  { key: 'scryptCost', env: 'MT_SCRYPT_COST', flag: 'scrypt-cost', kind: 'int', help: 'log2 of the scrypt N parameter for new password hashes', def: '15' },
  { key: 'loginMaxFailures', env: 'MT_LOGIN_MAX_FAILURES', flag: 'login-max-failures', kind: 'int', help: 'Failed logins per account before a lockout', def: '5' },
  { key: 'loginIpMaxFailures', env: 'MT_LOGIN_IP_MAX_FAILURES', flag: 'login-ip-max-failures', kind: 'int', help: 'Failed logins per IP before a lockout', def: '5' },
  { key: 'loginWindow', env: 'MT_LOGIN_WINDOW', flag: 'login-window', kind: 'int', help: 'Seconds in which failures are counted', def: '900' },
  { key: 'loginLockout', env: 'MT_LOGIN_LOCKOUT', flag: 'login-lockout', kind: 'int', help: 'Seconds an account or IP stays locked', def: '900' },
  { key: 'rateAuth', env: 'MT_RATE_AUTH', flag: 'rate-auth', kind: 'int', help: 'Account requests (register, codes, JWT sign-in) per minute per IP', def: '60' },
  { key: 'rateKeys', env: 'MT_RATE_KEYS', flag: 'rate-keys', kind: 'int', help: 'Key bundle fetches per minute per user', def: '120' },
  { key: 'maxBody', env: 'MT_MAX_BODY', flag: 'max-body', kind: 'int', help: 'Maximum JSON body in bytes', def: '262144' },
  { key: 'maxFileSize', env: 'MT_MAX_FILE_SIZE', flag: 'max-file-size', kind: 'int', help: 'Maximum uploaded file (encrypted blob) in bytes', def: '104857600' },
  { key: 'maxFrame', env: 'MT_MAX_FRAME', flag: 'max-frame', kind: 'int', help: 'Maximum WebSocket frame in bytes', def: '1048576' },
  { key: 'fileStorage', env: 'MT_FILE_STORAGE', flag: 'file-storage', kind: 'enum', values: ['disk', 'db'], help: 'Where file chunks live: disk (data dir) or db (database, for several nodes)', def: 'disk on SQLite, db on PostgreSQL' },
  { key: 'searchScanLimit', env: 'MT_SEARCH_SCAN_LIMIT', flag: 'search-scan-limit', kind: 'int', help: 'Most recent messages of a chat that search decrypts and scans', def: '10000' },
  { key: 'metricsToken', env: 'MT_METRICS_TOKEN', flag: 'metrics-token', kind: 'string', help: 'Bearer token required for /metrics (unset = open)', secret: true },
  { key: 'staticDir', env: 'MT_STATIC_DIR', flag: 'static-dir', kind: 'string', help: 'Directory served at / (the demo page)', def: 'examples/demo if present' },
  { key: 'shutdownTimeout', env: 'MT_SHUTDOWN_TIMEOUT', flag: 'shutdown-timeout', kind: 'int', help: 'Seconds to drain requests and sockets on SIGTERM', def: '10' },
]

/** Commands of `mt-chat-server`. */
export const COMMANDS = {
  start: 'Run migrations, then serve HTTP (and the gateway) until SIGTERM/SIGINT (default)',
  migrate: 'Run database migrations and exit',
  'export-audit': 'Write the audit log as JSONL to stdout (--since <ISO date | unix ms>)',
} as const

/** The text of `mt-chat-server --help`. */
export function helpText(): string {
  const lines = [
    'mt-chat-server — the mt-chat relay (HTTP API, WebSocket gateway, storage)',
    '',
    'Usage: mt-chat-server [command] [--flag value …]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, help]) => `  ${name.padEnd(14)} ${help}`),
    '',
    'Options (flag / environment variable; flags win over the environment):',
  ]
  for (const o of OPTIONS) {
    const values = o.values ? ` (${o.values.join('|')})` : ''
    lines.push(`  --${o.flag.padEnd(24)} ${o.env}`)
    lines.push(`      ${o.help}${values}${o.def ? `. Default: ${o.def}` : ''}`)
  }
  lines.push('', '  --since <date>               (export-audit) only events at or after this time', '  -h, --help                   Show this help')
  return lines.join('\n')
}
