/**
 * Operations (issue 4): /healthz, /readyz, /metrics in Prometheus text format, /v1/server-key,
 * the page at /, static files without path escapes, CORS, the error shape of unknown routes, and
 * graceful shutdown (in-flight requests finish, new connections are refused, storage closes).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbVariants, randomId, startRelay, type TestRelay } from '../../helpers/relay.js'

const variants = await dbVariants()

/** Checks the text exposition format 0.0.4 and returns samples by series. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  const typed = new Map<string, string>()
  const lines = text.trimEnd().split('\n')
  for (const line of lines) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line)
    if (help) continue
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line)
    if (type) {
      typed.set(type[1], type[2])
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line)
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`)
    const family = m[1].replace(/_(bucket|sum|count)$/, '')
    if (!typed.has(m[1]) && !typed.has(family)) throw new Error(`sample before its # TYPE: ${line}`)
    samples.set(m[1] + (m[2] ?? ''), Number(m[3]))
  }
  return samples
}

describe.each(variants)('operations on %s', (db) => {
  let t: TestRelay
  beforeAll(async () => {
    t = await startRelay({ db })
  })
  afterAll(() => t.close())

  it('answers /healthz and /readyz', async () => {
    expect((await t.api.get('/healthz')).body).toEqual({ status: 'ok' })
    const ready = await t.api.get('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body).toEqual({ status: 'ready' })
  })

  it('serves /metrics in the Prometheus text format with the relay’s counters and histograms', async () => {
    const a = await t.register()
    const b = await t.register()
    await t.api.post('/v1/auth/login', { login: a.username, password: a.password })
    await t.api.post('/v1/auth/login', { login: a.username, password: 'wrong password' }, { ip: '10.50.0.1' })
    await t.api.post(`/v1/chats/${b.id}/messages`, { random_id: randomId(), text: 'count me' }, { token: a.token })
    const res = await t.api.get('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const samples = parseMetrics(res.text)
    expect(samples.get('mt_logins_total{method="password",result="ok"}')).toBe(1)
    expect(samples.get('mt_logins_total{method="password",result="fail"}')).toBe(1)
    expect(samples.get('mt_messages_stored_total{kind="cloud"}')).toBe(1)
    expect(samples.get('mt_http_requests_total{method="POST",route="/v1/auth/register",status="201"}')).toBe(2)
    expect(samples.get('process_resident_memory_bytes')).toBeGreaterThan(1e6)
    // Histogram buckets are cumulative and +Inf equals _count.
    const series = '{method="POST",route="/v1/auth/login"'
    const buckets = [...samples].filter(([k]) => k.startsWith(`mt_http_request_duration_seconds_bucket${series}`)).map(([, v]) => v)
    expect(buckets.length).toBeGreaterThan(5)
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1])
    expect(buckets.at(-1)).toBe(samples.get(`mt_http_request_duration_seconds_count${series}}`))
    expect(samples.get(`mt_http_request_duration_seconds_count${series}}`)).toBe(2)
  })

  it('serves the server key that signs handshakes', async () => {
    const res = await t.api.get('/v1/server-key')
    expect(res.body).toEqual({ key: Buffer.from(t.relay.serverKey.publicKey).toString('base64'), algorithm: 'Ed25519' })
    expect(Buffer.from(res.body.key, 'base64')).toHaveLength(32)
  })

  it('serves the demo at / and, at /relay, a page that says the relay is up, with its key', async () => {
    const demo = await t.api.get('/')
    expect(demo.status).toBe(200)
    expect(demo.text).toContain('<title>mt-chat demo</title>')
    const res = await t.api.get('/relay')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.text).toContain('The relay is running')
    expect(res.text).toContain(Buffer.from(t.relay.serverKey.publicKey).toString('base64'))
  })

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await t.api.get('/v1/nothing-here')
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /v1/nothing-here' } })
    expect((await t.api.get('/nothing')).body.error.code).toBe('NOT_FOUND')
  })

  it('allows any origin by default (bearer tokens, no cookies)', async () => {
    const res = await t.api.request('OPTIONS', '/v1/auth/login', { headers: { origin: 'https://site.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/)
  })
})

describe('configured operations', () => {
  let t: TestRelay
  let staticDir: string
  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'mt-static-'))
    mkdirSync(join(staticDir, 'site'))
    writeFileSync(join(staticDir, 'site', 'index.html'), '<!doctype html><title>demo</title>')
    writeFileSync(join(staticDir, 'site', 'app.js'), 'console.log(1)')
    writeFileSync(join(staticDir, 'secret.txt'), 'outside')
    // A demo directory that ships its own SDK build: the entry and a chunk it loads on first use.
    mkdirSync(join(staticDir, 'site', 'chunks'))
    writeFileSync(join(staticDir, 'site', 'mt-chat.min.js'), 'import("./chunks/pipeline-Ab_9-z.js")')
    writeFileSync(join(staticDir, 'site', 'chunks', 'pipeline-Ab_9-z.js'), 'export const x = 1')
    t = await startRelay({ staticDir: join(staticDir, 'site'), corsOrigins: ['https://app.example'], metricsToken: 'scrape-token-123' })
  })
  afterAll(async () => {
    await t.close()
    rmSync(staticDir, { recursive: true, force: true })
  })

  it('runs SQLite in WAL mode with synchronous=FULL, foreign keys and a busy timeout', async () => {
    const pragma = async (name: string) => Object.values(((await t.relay.store.knex.raw(`PRAGMA ${name}`)) as Array<Record<string, unknown>>)[0])[0]
    expect(await pragma('journal_mode')).toBe('wal')
    expect(await pragma('synchronous')).toBe(2)
    expect(await pragma('foreign_keys')).toBe(1)
    expect(await pragma('busy_timeout')).toBe(5000)
  })

  it('serves the demo directory at / without escaping it', async () => {
    expect((await t.api.get('/')).text).toBe('<!doctype html><title>demo</title>')
    const js = await t.api.get('/app.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.text).toBe('console.log(1)')
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%00']) {
      const res = await t.api.get(path)
      expect(res.status).toBe(404)
      expect(res.text).not.toContain('outside')
    }
  })

  it('serves the SDK build and its chunks (cached for good: hashed names) without escaping', async () => {
    const entry = await t.api.get('/mt-chat.min.js')
    expect(entry.status).toBe(200)
    expect(entry.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(entry.headers.get('cache-control')).toBe('no-cache')
    const chunk = await t.api.get('/chunks/pipeline-Ab_9-z.js')
    expect(chunk.status).toBe(200)
    expect(chunk.text).toBe('export const x = 1')
    expect(chunk.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(chunk.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await t.api.get('/chunks/missing-Ab_9-z.js')).status).toBe(404)
    // Sent as written (fetch would normalize the dots away before they reach the relay).
    const raw = (path: string) =>
      new Promise<{ status: number; text: string }>((done, fail) => {
        const req = request(t.url + '/healthz', { path }, (res) => {
          let text = ''
          res.on('data', (d: Buffer) => (text += d.toString()))
          res.on('end', () => done({ status: res.statusCode ?? 0, text }))
        })
        req.on('error', fail)
        req.end()
      })
    for (const path of [
      '/chunks/../../secret.txt',
      '/chunks/..%2f..%2fsecret.txt',
      '/chunks/%2e%2e/%2e%2e/secret.txt',
      '/chunks/pipeline-Ab_9-z.js/../../../secret.txt',
      '/chunks/..\\..\\secret.txt',
      '/mt-chat.min.js/../../secret.txt',
    ]) {
      const res = await raw(path)
      expect(res.status, path).toBe(404)
      expect(res.text).not.toContain('outside')
    }
  })

  it('sends CORS headers only to allowed origins', async () => {
    const ok = await t.api.get('/healthz', { headers: { origin: 'https://app.example' } })
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example')
    const other = await t.api.get('/healthz', { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('protects /metrics with the metrics token', async () => {
    expect((await t.api.get('/metrics')).status).toBe(401)
    expect((await t.api.get('/metrics', { token: 'wrong' })).status).toBe(401)
    expect((await t.api.get('/metrics', { token: 'scrape-token-123' })).status).toBe(200)
  })
})

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, then closes storage', async () => {
    const t = await startRelay()
    const u = await t.register()
    const { id } = (await t.api.post('/v1/files', { size: 65_552 }, { token: u.token })).body
    const chunk = randomBytes(65_552)
    const url = new URL(`${t.url}/v1/files/${id}/chunks/0`)
    const arrived = new Promise((resolve) => t.relay.httpServer.once('request', resolve))
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(chunk.length), authorization: `Bearer ${u.token}` } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write(chunk.subarray(0, 1000))
      // The rest of the body comes only after shutdown has begun.
      arrived.then(() => setTimeout(() => req.end(chunk.subarray(1000)), 300))
    })
    await arrived
    let closed = false
    const closing = t.relay.close().then(() => (closed = true))
    expect(t.relay.closing).toBe(true)
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow()
    expect(closed).toBe(false)
    expect(await answered).toBe(204)
    await closing
    await expect(t.relay.store.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await t.close()
  })
})
