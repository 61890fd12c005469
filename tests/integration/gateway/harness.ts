/**
 * Starts a real relay with the gateway for the gateway's integration tests: a random port on
 * 127.0.0.1, a real SQLite file in a fresh temp dir (or PostgreSQL in a fresh schema), the logs
 * captured in memory so tests can search them for plaintext. Users are registered over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { Broker } from '../../../server/broker/types.js'
import { gatewayPlugin, type GatewayPlugin } from '../../../server/gateway/plugin.js'
import type { GatewayOptions } from '../../../server/gateway/options.js'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { DeviceKeys } from '../../../sdk/protocol/secret/identity.js'
import { createRelay, type Relay, type RelayOptions } from '../../../server/relay.js'
import { TestClient, type TestClientOptions } from '../../helpers/mt-client.js'

/** A registered user. */
export interface TestUser {
  id: number
  username: string
  token: string
}

/** What {@link startRelay} returns. */
export interface TestRelay {
  relay: Relay
  plugin: GatewayPlugin
  url: string
  serverKey: Uint8Array
  dataDir: string
  /** Every log line written so far. */
  logs: string[]
  register(username?: string): Promise<TestUser>
  connect(options?: TestClientOptions): Promise<TestClient>
  /** Connects and signs in. */
  signedIn(user: TestUser, options?: TestClientOptions & { deviceId?: string }): Promise<TestClient>
  /** Publishes a device's keys over HTTP (PUT /v1/keys); returns the keys. */
  publishKeys(user: TestUser, deviceId: string, oneTimePrekeys?: number): Promise<DeviceKeys>
  /** GET with the user's token; the JSON body and status. */
  get(user: TestUser, path: string): Promise<{ status: number; body: unknown }>
  metrics(): Promise<string>
  close(): Promise<void>
}

let names = 0

/** Options of {@link startRelay}. */
export interface StartOptions extends Partial<RelayOptions> {
  gateway?: GatewayOptions
  broker?: Broker
  /** Keep the data dir on close (for restarts on the same dir). */
  keepData?: boolean
}

/** Starts a relay with the gateway on a random port. */
export async function startRelay(o: StartOptions = {}): Promise<TestRelay> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'mt-gw-'))
  const logs: string[] = []
  const logDestination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'))
      cb()
    },
  })
  const { gateway, broker, keepData, ...rest } = o
  const plugin = gatewayPlugin({ broker, options: gateway })
  const relay = await createRelay({
    port: 0,
    host: '127.0.0.1',
    nodeEnv: 'test',
    logLevel: 'info',
    scryptCost: 10,
    rateAuth: 100_000,
    maintenance: false,
    logDestination,
    ...rest,
    dataDir,
    ...(broker ? { bus: broker, presence: broker.presence } : {}),
    plugins: [plugin],
  })
  const { url } = await relay.listen()
  const t: TestRelay = {
    relay,
    plugin,
    url,
    serverKey: relay.serverKey.publicKey,
    dataDir,
    logs,
    async register(username) {
      const name = username ?? `u${process.pid}x${++names}${Math.random().toString(36).slice(2, 6)}`
      const res = await fetch(`${url}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: name, password: 'correct horse battery' }),
      })
      if (res.status !== 201) throw new Error(`register ${name}: ${res.status} ${await res.text()}`)
      const body = (await res.json()) as { user: { id: number }; token: string }
      return { id: body.user.id, username: name, token: body.token }
    },
    connect: (options) => TestClient.connect(url, relay.serverKey.publicKey, options),
    async signedIn(user, options = {}) {
      const c = await TestClient.connect(url, relay.serverKey.publicKey, options)
      await c.call('auth.signIn', { token: user.token, device_id: options.deviceId })
      return c
    },
    async publishKeys(user, deviceId, oneTimePrekeys = 20) {
      const keys = await DeviceKeys.generate(nodeProvider, { oneTimePrekeys })
      const res = await fetch(`${url}/v1/keys`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
        body: JSON.stringify(keys.publicBundle(deviceId)),
      })
      if (res.status !== 200) throw new Error(`PUT /v1/keys: ${res.status} ${await res.text()}`)
      return keys
    },
    async get(user, path) {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${user.token}` } })
      return { status: res.status, body: await res.json().catch(() => undefined) }
    },
    async metrics() {
      return (await fetch(`${url}/metrics`)).text()
    },
    async close() {
      await relay.close()
      if (!keepData && !o.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return t
}

/** The value of a Prometheus sample, e.g. `metric(text, 'mtchat_frames_rejected_total{code="MSG_ID_TOO_LOW"}')`. */
export function metric(text: string, sample: string): number {
  for (const line of text.split('\n')) if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1))
  return 0
}

/** 16 random lowercase hex characters (a random_id or chat_id). */
export function hex16(): string {
  let s = ''
  for (let i = 0; i < 16; i++) s += Math.floor(Math.random() * 16).toString(16)
  return s
}
