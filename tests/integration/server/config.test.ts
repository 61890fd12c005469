/**
 * Configuration parsing and validation (server/config.ts), the redacting logger and the metrics
 * registry's text format — the pieces the relay's start and operations stand on.
 */
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { MtChatError } from '../../../sdk/errors.js'
import { createLogger, parseCommandLine, Registry, resolveConfig } from '../../../server/index.js'

const k = () => randomBytes(32).toString('base64')

/** The error `fn` throws (undefined when it does not throw, which the caller's expect catches). */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

describe('parseCommandLine', () => {
  it('reads env, lets flags win, and understands =value, bare booleans and lists', () => {
    const cmd = parseCommandLine(['migrate', '--port=9000', '--trust-proxy', '--cors-origins', 'https://a.example, https://b.example'], { PORT: '7000', LOG_LEVEL: 'warn', MT_TRUST_PROXY: 'false', MT_DB_SCHEMA: '' })
    expect(cmd.command).toBe('migrate')
    expect(cmd.input).toEqual({ port: 9000, logLevel: 'warn', trustProxy: true, corsOrigins: ['https://a.example', 'https://b.example'] })
  })

  it('defaults to start, recognizes --help and --since', () => {
    expect(parseCommandLine([], {})).toEqual({ command: 'start', help: false, since: undefined, input: {} })
    expect(parseCommandLine(['export-audit', '--since', '2030-01-01', '-h'], {})).toMatchObject({ command: 'export-audit', help: true, since: '2030-01-01' })
  })

  it.each([
    [['--port'], '--port needs a value'],
    [['--bogus', '1'], 'Unknown option --bogus'],
    [['start', 'migrate'], 'Unknown command "migrate"'],
    [['--trust-proxy=maybe'], 'expected true or false'],
  ])('rejects %j', (argv, message) => {
    const err = thrown(() => parseCommandLine(argv, {}))
    expect(MtChatError.is(err, 'INVALID_ARGUMENT')).toBe(true)
    expect((err as Error).message).toContain(message)
  })
})

describe('resolveConfig', () => {
  it('fills defaults (port 8080, ./data, SQLite with disk chunks, 100 MiB files)', () => {
    const c = resolveConfig({})
    expect(c).toMatchObject({ port: 8080, nodeEnv: 'development', fileStorage: 'disk', maxFileSize: 104_857_600, maxFrame: 1_048_576, scryptCost: 15, requireVerification: false, corsOrigins: ['*'] })
    expect(c.dataDir).toMatch(/\/data$/)
  })

  it('derives defaults from other settings (PostgreSQL → db chunks, a sender → verification)', () => {
    expect(resolveConfig({ databaseUrl: 'postgres://u@h/db' }).fileStorage).toBe('db')
    expect(resolveConfig({ otpWebhook: 'https://sms.example/hook' }).requireVerification).toBe(true)
    expect(resolveConfig({ otpWebhook: 'https://sms.example/hook', requireVerification: false }).requireVerification).toBe(false)
  })

  it('accepts hex and base64 keys and key rings', () => {
    expect(() => resolveConfig({ serverKey: randomBytes(32).toString('hex'), storageKey: `new:${k()},old:${k()}` })).not.toThrow()
  })

  it.each([
    [{ port: -1 }, 'PORT (--port)'],
    [{ serverKey: 'abc' }, 'MT_SERVER_KEY (--server-key)'],
    [{ storageKey: `k1:${k()},k1:${k()}` }, 'MT_STORAGE_KEY (--storage-key)'],
    [{ jwtSecret: 'short' }, 'MT_JWT_SECRET (--jwt-secret): expected at least 32 bytes'],
    [{ jwtSecret: 'x'.repeat(32), jwtPublicKey: 'pem' }, 'MT_JWT_SECRET and MT_JWT_PUBLIC_KEY are both set'],
    [{ jwtAlg: 'RS256' as const }, 'MT_JWT_ALG=RS256 needs MT_JWT_PUBLIC_KEY'],
    [{ corsOrigins: ['*', 'https://a.example'] }, 'cannot be combined'],
    [{ corsOrigins: ['https://a.example/path'] }, 'CORS_ORIGINS'],
    [{ smtpUrl: 'http://mail' }, 'MT_SMTP_URL (--smtp-url)'],
    [{ scryptCost: 4 }, 'MT_SCRYPT_COST'],
    [{ prot: 1 } as never, 'prot'],
  ])('rejects %j naming the variable', (input, message) => {
    expect(() => resolveConfig(input)).toThrow(message)
  })

  it('reports every problem at once and never echoes a secret', () => {
    const err = thrown(() => resolveConfig({ port: 99_999, serverKey: 'my-secret-value' }))
    expect(MtChatError.is(err, 'INVALID_ARGUMENT')).toBe(true)
    const message = (err as Error).message
    expect(message).toContain('PORT (--port)')
    expect(message).toContain('MT_SERVER_KEY (--server-key)')
    expect(message).not.toContain('my-secret-value')
  })
})

describe('logger', () => {
  it('redacts credentials, codes and keys wherever they appear', async () => {
    let out = ''
    const sink = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) })
    const log = createLogger({ level: 'info', destination: sink })
    log.info({ password: 'p1', user: { token: 't1', jwt: 'j1' }, req: { headers: { authorization: 'Bearer a1' } }, body: { code: '123456' }, deep: { x: { secret: 's1' } }, key: 'k1', err: { code: 'BAD_REQUEST' } }, 'event')
    await new Promise((r) => setTimeout(r, 20))
    for (const v of ['p1', 't1', 'j1', 'Bearer a1', '123456', 's1', '"k1"']) expect(out).not.toContain(v)
    expect(out).toContain('[Redacted]')
    expect(out).toContain('"code":"BAD_REQUEST"')
  })
})

describe('metrics registry', () => {
  it('renders counters, gauges and histograms in the text format, escaping label values', () => {
    const r = new Registry()
    const c = r.counter({ name: 'x_total', help: 'Things.', labels: ['kind'] })
    c.inc({ kind: 'a"b\\c\nd' }, 2)
    r.gauge({ name: 'g', help: 'A gauge.' }).set(undefined, 1.5)
    const h = r.histogram({ name: 'h_seconds', help: 'Latency.', buckets: [0.1, 1] })
    h.observe(undefined, 0.05)
    h.observe(undefined, 0.5)
    h.observe(undefined, 5)
    expect(r.render()).toBe(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{kind="a\\"b\\\\c\\nd"} 2',
        '# HELP g A gauge.',
        '# TYPE g gauge',
        'g 1.5',
        '# HELP h_seconds Latency.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="0.1"} 1',
        'h_seconds_bucket{le="1"} 2',
        'h_seconds_bucket{le="+Inf"} 3',
        'h_seconds_sum 5.55',
        'h_seconds_count 3',
        '',
      ].join('\n'),
    )
  })

  it('refuses bad names, unknown labels, decreasing counters and re-registration as another type', () => {
    const r = new Registry()
    expect(() => r.counter({ name: 'bad-name', help: 'x' })).toThrow(RangeError)
    const c = r.counter({ name: 'c', help: 'x', labels: ['a'] })
    expect(() => c.inc({ b: 1 } as never)).toThrow('has no label "b"')
    expect(() => c.inc({}, 1)).toThrow('needs label "a"')
    expect(() => c.inc({ a: 1 }, -1)).toThrow('cannot decrease')
    expect(r.counter({ name: 'c', help: 'x', labels: ['a'] })).toBe(c)
    expect(() => r.gauge({ name: 'c', help: 'x' })).toThrow('already registered as counter')
  })
})
