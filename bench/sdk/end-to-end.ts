/**
 * SDK figures through a local relay (bench/sdk/relay-process.ts, its own process): end-to-end
 * latency of a secret message (send on one client → `message` event on the other, one at a time,
 * p50/p99), and the time from `createClient` to the first message stored (✔) for a fresh device —
 * connect, handshake, sign-in, key generation, peer lookup, bundle, X3DH, send.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { createClient, memoryStorage, signUp, type Client, type Message } from '../../sdk/index.node.js'

interface Relay {
  url: string
  serverKey: string
  stop(): Promise<void>
}

async function startRelay(): Promise<Relay> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sdk/relay-process.ts'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)))
  })
  const { url, serverKey } = JSON.parse(line) as { url: string; serverKey: string }
  return { url, serverKey, stop: () => new Promise((r) => (child.once('exit', () => r()), child.kill('SIGTERM'))) }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
let n = 0
const name = () => `bench${process.pid.toString(36)}${(n++).toString(36)}`

export interface EndToEnd {
  messages: number
  p50: number
  p99: number
  firstSend: { runs: number; p50: number; max: number }
}

export async function endToEnd(messages = 300, runs = 8): Promise<EndToEnd> {
  const relay = await startRelay()
  const clients: Client[] = []
  const client = (token: string) => {
    const c = createClient({ url: relay.url, serverKey: relay.serverKey, token, storage: memoryStorage() })
    clients.push(c)
    return c
  }
  try {
    const [ua, ub] = await Promise.all([signUp({ url: relay.url, username: name(), password: 'bench password' }), signUp({ url: relay.url, username: name(), password: 'bench password' })])
    const a = client(ua.token)
    const b = client(ub.token)
    await b.connect()
    const chat = a.secretChat(ub.user.id)
    await chat.send('warm up')
    let resolve: ((m: Message) => void) | undefined
    b.on('message', (m) => resolve?.(m))
    for (let i = 0; i < 20; i++) await Promise.all([new Promise((r) => (resolve = r)), chat.send(`w${i}`)]) // warm-up
    const lat: number[] = []
    for (let i = 0; i < messages; i++) {
      const got = new Promise<Message>((r) => (resolve = r))
      const t = performance.now()
      await chat.send(`m${i}`)
      await got
      lat.push(performance.now() - t)
    }

    // A fresh device each run: nothing in storage, the peer (b) known only by name.
    const first: number[] = []
    for (let i = 0; i < runs; i++) {
      const u = await signUp({ url: relay.url, username: name(), password: 'bench password' })
      const t = performance.now()
      await createClient({ url: relay.url, serverKey: relay.serverKey, token: u.token, storage: memoryStorage() })
        .secretChat(ub.user.username!)
        .send('Hello')
      first.push(performance.now() - t)
    }
    return { messages, p50: pct(lat, 50), p99: pct(lat, 99), firstSend: { runs, p50: pct(first, 50), max: Math.max(...first) } }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await relay.stop()
  }
}
