/**
 * Relay configuration: defaults < environment < CLI flags < programmatic overrides, validated with
 * valibot so a bad value stops the relay at start with one clear message naming the env var and the
 * flag (issue 4, "Start and configuration"). The option table lives in `config-options.ts`.
 * @module
 */
import { resolve } from 'node:path'
import * as v from 'valibot'
import { MtChatError } from '../sdk/errors.js'
import { COMMANDS, OPTIONS, type OptionSpec } from './config-options.js'
import { decodeKey32, parseStorageKeys } from './key-material.js'

const int = (min: number, max: number) =>
  v.pipe(v.number('expected a number'), v.integer('expected an integer'), v.minValue(min, `expected ≥ ${min}`), v.maxValue(max, `expected ≤ ${max}`))
const str = (max = 4096) => v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(max, `expected ≤ ${max} characters`))
const url = (schemes: readonly string[]) =>
  v.pipe(
    str(),
    v.check((s) => {
      try {
        return schemes.includes(new URL(s).protocol)
      } catch {
        return false
      }
    }, `expected a ${schemes.join(' or ')}// URL`),
  )

/** What a caller may pass to `createRelay` (every field optional; see `mt-chat-server --help`). */
export const ConfigInputSchema = v.strictObject({
  port: v.optional(int(0, 65535), 8080),
  host: v.optional(str(255)),
  nodeEnv: v.optional(v.picklist(['development', 'production', 'test']), 'development'),
  logLevel: v.optional(v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
  dataDir: v.optional(str(), './data'),
  databaseUrl: v.optional(url(['postgres:', 'postgresql:'])),
  dbSchema: v.optional(v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lowercase SQL identifier')), 'public'),
  dbPoolMax: v.optional(int(1, 200), 10),
  redisUrl: v.optional(url(['redis:', 'rediss:'])),
  serverKey: v.optional(v.pipe(v.string(), v.check(validKey32, 'expected 32 bytes as 64 hex characters or base64'))),
  storageKey: v.optional(v.pipe(v.string(), v.check(validStorageKeys, 'expected "id:base64key[,id:base64key…]" with 32-byte keys'))),
  jwtSecret: v.optional(v.pipe(v.string(), v.check((s) => Buffer.byteLength(s) >= 32, 'expected at least 32 bytes'))),
  jwtPublicKey: v.optional(str(16_384)),
  jwtAlg: v.optional(v.picklist(['HS256', 'EdDSA', 'ES256', 'RS256'])),
  jwtIssuer: v.optional(str(512)),
  jwtAudience: v.optional(str(512)),
  corsOrigins: v.optional(v.array(v.pipe(v.string(), v.check((o) => o === '*' || isOrigin(o), 'expected * or origins like https://example.com'))), ['*']),
  trustProxy: v.optional(v.boolean(), false),
  smtpUrl: v.optional(url(['smtp:', 'smtps:'])),
  smtpFrom: v.optional(str(320), 'mt-chat <no-reply@localhost>'),
  otpWebhook: v.optional(url(['http:', 'https:'])),
  requireVerification: v.optional(v.boolean()),
  sessionTtl: v.optional(int(60, 365 * 86_400), 30 * 86_400),
  scryptCost: v.optional(int(10, 20), 15),
  loginMaxFailures: v.optional(int(1, 1000), 5),
  loginIpMaxFailures: v.optional(int(1, 100_000), 5),
  loginWindow: v.optional(int(1, 86_400), 900),
  loginLockout: v.optional(int(1, 86_400), 900),
  rateAuth: v.optional(int(1, 1_000_000), 60),
  rateKeys: v.optional(int(1, 1_000_000), 120),
  maxBody: v.optional(int(1024, 64 * 1024 * 1024), 256 * 1024),
  maxFileSize: v.optional(int(1, 2 ** 50), 100 * 1024 * 1024),
  maxFrame: v.optional(int(1024, 64 * 1024 * 1024), 1024 * 1024),
  fileStorage: v.optional(v.picklist(['disk', 'db'])),
  searchScanLimit: v.optional(int(100, 10_000_000), 10_000),
  metricsToken: v.optional(str(512)),
  staticDir: v.optional(str()),
  shutdownTimeout: v.optional(int(0, 3600), 10),
})

/** Input accepted by `createRelay` and produced from env/flags. */
export type RelayConfigInput = v.InferInput<typeof ConfigInputSchema>

/** A validated, fully defaulted configuration. */
export type RelayConfig = Omit<v.InferOutput<typeof ConfigInputSchema>, 'requireVerification' | 'fileStorage'> & {
  /** Absolute data directory. */
  dataDir: string
  /** Whether email/phone must be verified with a code before login. */
  requireVerification: boolean
  /** Where file chunks are stored. */
  fileStorage: 'disk' | 'db'
}

function validKey32(s: string): boolean {
  try {
    decodeKey32(s, 'key')
    return true
  } catch {
    return false
  }
}

function validStorageKeys(s: string): boolean {
  try {
    parseStorageKeys(s)
    return true
  } catch {
    return false
  }
}

function isOrigin(o: string): boolean {
  try {
    const u = new URL(o)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.replace(/\/$/, '')
  } catch {
    return false
  }
}

const byKey = new Map(OPTIONS.map((o) => [o.key, o]))

function describeKey(key: string): string {
  const o = byKey.get(key)
  return o ? `${o.env} (--${o.flag})` : key
}

/**
 * Validates and completes a configuration. Throws one INVALID_ARGUMENT error listing every problem.
 * @example
 * ```ts
 * const config = resolveConfig({ port: 0, dataDir: '/tmp/relay' })
 * ```
 */
export function resolveConfig(input: RelayConfigInput = {}): RelayConfig {
  const parsed = v.safeParse(ConfigInputSchema, input)
  if (!parsed.success) {
    const lines = parsed.issues.map((issue) => {
      const key = v.getDotPath(issue) ?? '(config)'
      const o = byKey.get(key.split('.')[0])
      const got = o?.secret ? '' : `, got ${JSON.stringify(issue.input)?.slice(0, 80)}`
      return `  ${describeKey(key.split('.')[0])}: ${issue.message}${got}`
    })
    throw new MtChatError('INVALID_ARGUMENT', `Invalid relay configuration:\n${lines.join('\n')}`, { op: 'config' })
  }
  const c = parsed.output
  const problems: string[] = []
  if (c.jwtSecret && c.jwtPublicKey) problems.push('  MT_JWT_SECRET and MT_JWT_PUBLIC_KEY are both set; choose one')
  if (c.jwtAlg === 'HS256' && !c.jwtSecret) problems.push('  MT_JWT_ALG=HS256 needs MT_JWT_SECRET')
  if (c.jwtAlg && c.jwtAlg !== 'HS256' && !c.jwtPublicKey) problems.push(`  MT_JWT_ALG=${c.jwtAlg} needs MT_JWT_PUBLIC_KEY`)
  if (c.corsOrigins.includes('*') && c.corsOrigins.length > 1) problems.push('  CORS_ORIGINS: * cannot be combined with other origins')
  if (problems.length) throw new MtChatError('INVALID_ARGUMENT', `Invalid relay configuration:\n${problems.join('\n')}`, { op: 'config' })
  return {
    ...c,
    dataDir: resolve(c.dataDir),
    requireVerification: c.requireVerification ?? Boolean(c.smtpUrl || c.otpWebhook),
    fileStorage: c.fileStorage ?? (c.databaseUrl ? 'db' : 'disk'),
  }
}

/** A parsed command line. */
export interface CommandLine {
  command: keyof typeof COMMANDS
  help: boolean
  /** `export-audit --since`. */
  since?: string
  /** Configuration from the environment and flags (not yet validated). */
  input: RelayConfigInput
}

function convert(o: OptionSpec, raw: string, source: string): unknown {
  const fail = (what: string): never => {
    throw new MtChatError('INVALID_ARGUMENT', `Invalid relay configuration:\n  ${o.env} (--${o.flag}) from ${source}: ${what}${o.secret ? '' : `, got ${JSON.stringify(raw)}`}`, { op: 'config' })
  }
  switch (o.kind) {
    case 'int':
      if (!/^-?\d+$/.test(raw.trim())) fail('expected an integer')
      return Number(raw.trim())
    case 'bool': {
      const s = raw.trim().toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(s)) return true
      if (['0', 'false', 'no', 'off'].includes(s)) return false
      return fail('expected true or false')
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean)
    default:
      return raw
  }
}

/**
 * Reads the command, flags and environment. Flags win over the environment; empty env vars count
 * as unset. Unknown flags and commands are errors, not silently ignored.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CommandLine {
  const input: Record<string, unknown> = {}
  for (const o of OPTIONS) {
    const raw = env[o.env]
    if (raw !== undefined && raw !== '') input[o.key] = convert(o, raw, 'the environment')
  }
  const byFlag = new Map(OPTIONS.map((o) => [o.flag, o]))
  let command: CommandLine['command'] | undefined
  let help = false
  let since: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '-h' || arg === '--help') {
      help = true
      continue
    }
    if (!arg.startsWith('--')) {
      if (command !== undefined || !Object.hasOwn(COMMANDS, arg))
        throw new MtChatError('INVALID_ARGUMENT', `Unknown command "${arg}". Commands: ${Object.keys(COMMANDS).join(', ')}. See --help.`, { op: 'config' })
      command = arg as CommandLine['command']
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq < 0 ? undefined : eq)
    const inline = eq < 0 ? undefined : arg.slice(eq + 1)
    if (name === 'since') {
      since = inline ?? argv[++i]
      if (since === undefined) throw new MtChatError('INVALID_ARGUMENT', '--since needs a value', { op: 'config' })
      continue
    }
    const o = byFlag.get(name)
    if (!o) throw new MtChatError('INVALID_ARGUMENT', `Unknown option --${name}. See --help.`, { op: 'config' })
    let raw = inline
    if (raw === undefined) {
      if (o.kind === 'bool' && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) raw = 'true'
      else raw = argv[++i]
    }
    if (raw === undefined) throw new MtChatError('INVALID_ARGUMENT', `--${name} needs a value`, { op: 'config' })
    input[o.key] = convert(o, raw, 'the command line')
  }
  return { command: command ?? 'start', help, since, input: input as RelayConfigInput }
}
