/**
 * `mt-chat-server` as a real child process (issue 4 "Start and configuration"): --help lists every
 * option with its env var; bad configuration exits 2 with a message naming the variable; `start`
 * prints the URL and the server key, persists the key (0600) across restarts and exits 0 on
 * SIGTERM; `migrate`; `export-audit` writes JSONL, honouring --since.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { OPTIONS } from '../../../server/config-options.js'
import { relayChildEnv } from '../../helpers/env.js'

const CLI = ['--import', 'tsx', 'server/cli.ts']
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mt-cli-'))
  dirs.push(d)
  return d
}

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', env: relayChildEnv({ LOG_LEVEL: 'silent', ...env }), timeout: 30_000 })
}

/** Starts the relay and resolves with its URL and key once it printed them. */
function start(dataDir: string): Promise<{ child: ChildProcess; url: string; key: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [...CLI, 'start', '--port', '0', '--host', '127.0.0.1'], {
    env: relayChildEnv({ MT_DATA_DIR: dataDir, LOG_LEVEL: 'silent', MT_SCRYPT_COST: '10' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      const key = /server key \(pin as serverKey\): (\S+)/.exec(out)?.[1]
      if (url && key) {
        clearTimeout(timer)
        resolve({ child, url, key, exited })
      }
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
  })
}

describe('mt-chat-server', () => {
  it('--help lists every option with its flag and environment variable', () => {
    const r = run(['--help'])
    expect(r.status).toBe(0)
    for (const o of OPTIONS) {
      expect(r.stdout).toContain(`--${o.flag}`)
      expect(r.stdout).toContain(o.env)
    }
    for (const cmd of ['start', 'migrate', 'export-audit']) expect(r.stdout).toContain(cmd)
  })

  it.each([
    [['--port', 'abc'], {}, 'PORT (--port) from the command line: expected an integer'],
    [[], { PORT: '70000' }, 'PORT (--port): expected ≤ 65535'],
    [['--nope'], {}, 'Unknown option --nope'],
    [['frobnicate'], {}, 'Unknown command "frobnicate"'],
    [[], { MT_STORAGE_KEY: 'k1:short' }, 'MT_STORAGE_KEY (--storage-key)'],
    [[], { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL (--database-url): expected a postgres: or postgresql:// URL'],
  ])('exits 2 with a clear message for %j %j', (args, env, message) => {
    const r = run(args as string[], { MT_DATA_DIR: tempDir(), ...(env as Record<string, string>) })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(message)
  })

  it('never echoes a secret value in a config error', () => {
    const r = run([], { MT_DATA_DIR: tempDir(), MT_SERVER_KEY: 'super-secret-but-wrong' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('MT_SERVER_KEY')
    expect(r.stderr).not.toContain('super-secret-but-wrong')
  })

  it('starts, prints URL and key, keeps the key across restarts, and exits 0 on SIGTERM', async () => {
    const dataDir = tempDir()
    const first = await start(dataDir)
    const health = await fetch(`${first.url}/healthz`)
    expect(health.status).toBe(200)
    expect(((await (await fetch(`${first.url}/v1/server-key`)).json()) as { key: string }).key).toBe(first.key)
    const reg = await fetch(`${first.url}/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'cliuser', password: 'long enough pw' }) })
    expect(reg.status).toBe(201)
    expect(statSync(join(dataDir, 'server-key')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dataDir, 'storage-key')).mode & 0o777).toBe(0o600)
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)

    const second = await start(dataDir)
    expect(second.key).toBe(first.key)
    second.child.kill('SIGINT')
    expect(await second.exited).toBe(0)

    const all = run(['export-audit'], { MT_DATA_DIR: dataDir })
    expect(all.status).toBe(0)
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; at: string; user_id: number; meta: unknown })
    expect(lines.map((l) => l.event)).toContain('auth.register')
    expect(lines[0]).toEqual({ id: expect.any(Number), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), event: 'auth.register', user_id: 1, ip: expect.any(String), meta: { verification: false } })
    expect(all.stdout).not.toContain('long enough pw')
    const future = run(['export-audit', '--since', '2999-01-01T00:00:00Z'], { MT_DATA_DIR: dataDir })
    expect([future.status, future.stdout]).toEqual([0, ''])
    const bad = run(['export-audit', '--since', 'yesterday-ish'], { MT_DATA_DIR: dataDir })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--since')
  }, 60_000)

  it('migrates a fresh database once', () => {
    const dataDir = tempDir()
    const first = run(['migrate'], { MT_DATA_DIR: dataDir })
    expect([first.status, first.stdout.trim()]).toEqual([0, 'applied: 001_initial'])
    const again = run(['migrate'], { MT_DATA_DIR: dataDir })
    expect([again.status, again.stdout.trim()]).toEqual([0, 'already up to date'])
  })
})
