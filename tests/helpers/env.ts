/**
 * Which external services a test run has, and the rule for suites that need them: they run whenever
 * the service exists and FAIL (not skip) when CI=true and it is missing. Locally, a missing service
 * skips the suite with a visible reason.
 *
 * Usage:
 *   const pg = await service('postgres')
 *   describe.skipIf(!pg.available)('… on PostgreSQL', () => { … })
 * `service()` itself throws under CI when the service is missing, so the file fails loudly.
 */
import { existsSync } from 'node:fs'
import net from 'node:net'

export const isCI = process.env.CI === 'true' || process.env.CI === '1'

export interface ServiceInfo {
  available: boolean
  /** Connection string / path when available. */
  url: string
  reason?: string
}

function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

const DEFAULTS = {
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
  redis: 'redis://127.0.0.1:6379',
  chromium: '/usr/bin/chromium',
} as const

export type ServiceName = keyof typeof DEFAULTS

/**
 * Probes a service. PostgreSQL and Redis come from DATABASE_URL / REDIS_URL (or the local default
 * ports), Chromium from CHROMIUM_PATH (or /usr/bin/chromium).
 */
export async function service(name: ServiceName): Promise<ServiceInfo> {
  let info: ServiceInfo
  if (name === 'chromium') {
    const path = process.env.CHROMIUM_PATH || DEFAULTS.chromium
    info = existsSync(path) ? { available: true, url: path } : { available: false, url: path, reason: `no Chromium at ${path}` }
  } else {
    const url = (name === 'postgres' ? process.env.DATABASE_URL : process.env.REDIS_URL) || DEFAULTS[name]
    const u = new URL(url)
    const ok = await tcpReachable(u.hostname, Number(u.port || (name === 'postgres' ? 5432 : 6379)))
    info = ok ? { available: true, url } : { available: false, url, reason: `${name} not reachable at ${u.host}` }
  }
  if (!info.available && isCI) throw new Error(`CI=true but ${name} is missing: ${info.reason}`)
  if (!info.available) console.warn(`[skip] ${name}: ${info.reason}`)
  return info
}

/**
 * The environment for a child process that runs the relay CLI: this process's environment without
 * the relay's own configuration (DATABASE_URL, REDIS_URL, PORT, MT_*), so a child started for a
 * SQLite test does not pick up the PostgreSQL/Redis URLs that CI exports for the other suites.
 */
export function relayChildEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(DATABASE_URL|REDIS_URL|PORT|HOST|MT_.*)$/.test(k)) env[k] = v
  return { ...env, ...extra }
}
