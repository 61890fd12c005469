/**
 * Starts the real relay for integration tests: `createRelay` on 127.0.0.1, port 0, a temp data
 * dir, SQLite by default or PostgreSQL in a fresh schema (dropped on close), a manual clock, a
 * low scrypt cost, and a real webhook receiver as the one-time-code sender. Returns the URL and a
 * small fetch client.
 *
 *   const t = await startRelay({ db: 'sqlite' })
 *   const alice = await t.register('alice')
 *   const res = await t.api.get('/v1/me', { token: alice.token })
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createRelay, type Relay, type RelayOptions } from '../../server/index.js'
import { service } from './env.js'

/** A clock tests move by hand. */
export class ManualClock {
  private t: number
  constructor(start = Date.UTC(2030, 0, 1)) {
    this.t = start
  }
  now(): number {
    return this.t
  }
  advance(ms: number): void {
    this.t += ms
  }
  set(ms: number): void {
    this.t = ms
  }
}

/** An HTTP answer. */
export interface ApiResponse<T = any> {
  status: number
  headers: Headers
  body: T
  text: string
  bytes: Uint8Array
}

/** Options of one request. */
export interface RequestOptions {
  body?: unknown
  token?: string
  /** Raw bytes instead of JSON. */
  raw?: Uint8Array
  contentType?: string
  headers?: Record<string, string>
  /** Client IP the relay sees (X-Forwarded-For; test relays trust the proxy header). */
  ip?: string
}

/** A tiny fetch client for the relay's HTTP API. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...o.headers }
    if (o.token) headers.authorization = `Bearer ${o.token}`
    if (o.ip) headers['x-forwarded-for'] = o.ip
    let body: BodyInit | undefined
    if (o.raw) {
      body = o.raw as unknown as BodyInit
      headers['content-type'] = o.contentType ?? 'application/octet-stream'
    } else if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
      headers['content-type'] = o.contentType ?? 'application/json'
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const text = Buffer.from(bytes).toString('utf8')
    let parsed: unknown = undefined
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text)
    return { status: res.status, headers: res.headers, body: parsed as T, text, bytes }
  }

  get<T = any>(path: string, o?: RequestOptions) {
    return this.request<T>('GET', path, o)
  }
  post<T = any>(path: string, body?: unknown, o: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...o, body })
  }
  put<T = any>(path: string, body?: unknown, o: RequestOptions = {}) {
    return this.request<T>('PUT', path, { ...o, body })
  }
  del<T = any>(path: string, o?: RequestOptions) {
    return this.request<T>('DELETE', path, o)
  }
}

/** One code the relay POSTed to the webhook. */
export interface WebhookCode {
  channel: string
  to: string
  code: string
  purpose: string
  expires_at: number
  user_id: number
}

/** A real HTTP endpoint receiving the relay's one-time codes. */
export class CodeInbox {
  readonly received: WebhookCode[] = []
  private waiters: Array<{ to: string; resolve: (c: WebhookCode) => void }> = []
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<CodeInbox> {
    let inbox!: CodeInbox
    const server = createServer((req, res) => {
      const parts: Buffer[] = []
      req.on('data', (d: Buffer) => parts.push(d))
      req.on('end', () => {
        const msg = JSON.parse(Buffer.concat(parts).toString('utf8')) as WebhookCode
        inbox.received.push(msg)
        for (const w of inbox.waiters.filter((w) => w.to === msg.to)) w.resolve(msg)
        inbox.waiters = inbox.waiters.filter((w) => w.to !== msg.to)
        res.statusCode = 204
        res.end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    inbox = new CodeInbox(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/codes`)
    return inbox
  }

  /** The next code sent to `to` (or one already received after `sinceIndex`). */
  next(to: string, sinceIndex = 0, timeoutMs = 5000): Promise<WebhookCode> {
    const seen = this.received.slice(sinceIndex).find((m) => m.to === to)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no code for ${to} within ${timeoutMs} ms`)), timeoutMs)
      this.waiters.push({ to, resolve: (c) => (clearTimeout(t), resolve(c)) })
    })
  }

  /** Codes received for `to`. */
  for(to: string): WebhookCode[] {
    return this.received.filter((m) => m.to === to)
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()))
  }
}

/** Which database a relay runs on. */
export type DbKind = 'sqlite' | 'postgres'

/** A started test relay. */
export interface TestRelay {
  relay: Relay
  url: string
  api: ApiClient
  db: DbKind
  dataDir: string
  clock: ManualClock
  codes: CodeInbox
  /** Registers a user (username + password) and returns its id and token. */
  register(name?: string, o?: { ip?: string; password?: string }): Promise<TestUser>
  close(): Promise<void>
}

/** A registered test user. */
export interface TestUser {
  id: number
  username: string
  password: string
  token: string
}

let counter = 0

/** A unique, valid username. */
export function uniqueName(prefix = 'u'): string {
  return `${prefix}${process.pid.toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`.slice(0, 32)
}

/** The PostgreSQL URL, when PostgreSQL is reachable (fails under CI=true when it is not). */
export async function postgresUrl(): Promise<string | undefined> {
  const pgInfo = await service('postgres')
  return pgInfo.available ? pgInfo.url : undefined
}

/** The databases to run a suite on: SQLite always, PostgreSQL when reachable. */
export async function dbVariants(): Promise<DbKind[]> {
  return (await postgresUrl()) ? ['sqlite', 'postgres'] : ['sqlite']
}

/** Options of {@link startRelay}. */
export type StartOptions = Partial<RelayOptions> & { db?: DbKind; clock?: ManualClock }

/**
 * Starts a relay. Test defaults: scrypt cost 2^10, silent logs, generous rate limits, trusted
 * X-Forwarded-For (so tests pick client IPs), no verification at registration, no maintenance
 * loop, and codes delivered to a real webhook receiver (`codes`).
 */
export async function startRelay(o: StartOptions = {}): Promise<TestRelay> {
  const { db = 'sqlite', clock = new ManualClock(), ...rest } = o
  const dataDir = rest.dataDir ?? mkdtempSync(join(tmpdir(), 'mt-relay-'))
  const codes = await CodeInbox.start()
  let schema: string | undefined
  let databaseUrl: string | undefined
  if (db === 'postgres') {
    databaseUrl = await postgresUrl()
    if (!databaseUrl) throw new Error('PostgreSQL is not reachable')
    schema = rest.dbSchema ?? `t_${process.pid}_${randomBytes(4).toString('hex')}`
  }
  const relay = await createRelay({
    port: 0,
    host: '127.0.0.1',
    nodeEnv: 'test',
    logLevel: (process.env.MT_TEST_LOG as 'silent' | undefined) ?? 'silent',
    scryptCost: 10,
    rateAuth: 100_000,
    rateKeys: 100_000,
    trustProxy: true,
    requireVerification: false,
    otpWebhook: codes.url,
    maintenance: false,
    clock,
    ...rest,
    dataDir,
    ...(databaseUrl ? { databaseUrl, dbSchema: schema, dbPoolMax: 4 } : {}),
  })
  const { url } = await relay.listen()
  const api = new ApiClient(url)
  const ownsDir = rest.dataDir === undefined
  return {
    relay,
    url,
    api,
    db,
    dataDir,
    clock,
    codes,
    async register(name = uniqueName(), ro = {}) {
      const password = ro.password ?? `pw-${name}-secret`
      const res = await api.post('/v1/auth/register', { username: name, password }, { ip: ro.ip })
      if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${res.text}`)
      return { id: res.body.user.id as number, username: name, password, token: res.body.token as string }
    },
    async close() {
      await relay.close()
      await codes.close()
      if (schema && databaseUrl && !rest.dbSchema) {
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await client.end()
      }
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A fresh random 16-hex random_id. */
export function randomId(): string {
  return randomBytes(8).toString('hex')
}
