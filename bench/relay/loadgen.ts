/**
 * The load generator of the relay benchmark: its own process (started by `index.ts`), 127.0.0.1
 * only, bounded in time. It opens `pairs` sender→receiver pairs against one target, keeps `window`
 * messages in flight per pair (a sender sends when the receiver got one), and reports delivered
 * messages per second and end-to-end latency (send → receipt, one clock: both ends live here) over
 * the measuring interval after a warm-up.
 *
 * Targets: `mt-chat` through the full protocol (handshake, IGE both ways, `messages.send` answered
 * after the durable commit, `updates` pushes, `msgs_ack`, receipts) with node:crypto; `socket.io`
 * (a room per pair); `ws` and `ws+sqlite` (raw forwarding; the second stores before forwarding).
 * Every message carries 256 bytes of text.
 *
 * Input: one JSON argument (see {@link Args}); output: one JSON line (see {@link Result}).
 */
import { clientCryptoOf } from '../../sdk/crypto/client-crypto.js'
import { SignJWT } from 'jose'
import { io, type Socket } from 'socket.io-client'
import WebSocket from 'ws'
import { nodeProvider } from '../../sdk/crypto/node.js'
import { ClientHandshake } from '../../sdk/protocol/handshake.js'
import type { RelayBody } from '../../sdk/protocol/schemas/registry.js'
import { Session } from '../../sdk/protocol/session.js'
import { FROM_RELAY } from '../../sdk/protocol/schemas/registry.js'

/** What `index.ts` passes. */
export interface Args {
  target: 'mt-chat' | 'socket.io' | 'ws' | 'ws+sqlite'
  url: string
  serverKey?: string
  jwtSecret?: string
  pairs: number
  window: number
  size: number
  warmupMs: number
  measureMs: number
  /** mt-chat: sequential connect + handshake + sign-in samples. */
  connectSamples: number
}

/** What the load generator prints. */
export interface Result {
  delivered: number
  seconds: number
  msgsPerSec: number
  p50Ms: number
  p99Ms: number
  connect?: { p50Ms: number; p99Ms: number; samples: number }
  errors: number
}

const args = JSON.parse(process.argv[2]) as Args
const MAX_SAMPLES = 4_000_000
const latencies = new Float64Array(MAX_SAMPLES)
let samples = 0
let delivered = 0
let measuring = false
let stopped = false
let errors = 0

function percentile(values: Float64Array, n: number, q: number): number {
  if (n === 0) return NaN
  const sorted = values.slice(0, n).sort()
  return sorted[Math.min(n - 1, Math.floor(q * n))]
}

/** A message body: the send time, padded to `size` characters. */
function payload(): string {
  const t = performance.now().toFixed(3)
  return t + ' '.repeat(Math.max(0, args.size - t.length))
}

function received(sentAt: number): void {
  if (!measuring) return
  delivered++
  if (samples < MAX_SAMPLES) latencies[samples++] = performance.now() - sentAt
}

/** One pair's flow control: a sender keeps `window` messages in flight. */
interface Pair {
  inflight: number
  send(): void
}

function onDelivered(pair: Pair, sentAt: number): void {
  received(sentAt)
  pair.inflight--
  pump(pair)
}

function pump(pair: Pair): void {
  while (!stopped && pair.inflight < args.window) {
    pair.inflight++
    pair.send()
  }
}

async function inBatches<T>(n: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => make(i + j)))))
  return out
}

// --- mt-chat ---------------------------------------------------------------------------------

const acking = new Set<MtClient>()

/** A lean layer-1 client: handshake, session, calls by msg_id, pushes to a callback, batched acks. */
class MtClient {
  private readonly calls = new Map<bigint, (b: RelayBody) => void>()
  onMessage: ((text: string) => void) | undefined

  private constructor(
    private readonly ws: WebSocket,
    private readonly session: Session<'client'>,
  ) {
    ws.on('message', (data: Buffer) => this.frame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
  }

  static connect(url: string, serverKey: Uint8Array): Promise<MtClient> {
    return new Promise((resolve, reject) => {
      const hs = new ClientHandshake({ provider: clientCryptoOf(nodeProvider), now: Date.now, serverKey })
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { perMessageDeflate: false })
      ws.binaryType = 'nodebuffer'
      ws.once('error', reject)
      ws.once('open', () => void hs.start().then((f) => ws.send(f), reject))
      ws.once('message', (data: Buffer) => {
        // The relay sends nothing more until this client speaks, so no frame can slip in meanwhile.
        void hs.finish(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).then((r) => {
          if (!r.ok) return reject(r.error)
          resolve(new MtClient(ws, new Session({ role: 'client', bodies: FROM_RELAY, provider: nodeProvider, now: Date.now, retainSent: 0, ...r.keys })))
        }, reject)
      })
    })
  }

  private frame(frame: Uint8Array): void {
    const r = this.session.unpack(frame)
    if (!r.ok) {
      errors++
      return
    }
    const b = r.body
    if (b._ === 'rpc_result' || b._ === 'rpc_error') {
      const done = this.calls.get(b.req_msg_id)
      this.calls.delete(b.req_msg_id)
      if (b._ === 'rpc_error') errors++
      done?.(b)
    } else if (b._ === 'updates') {
      for (const u of b.updates) if (u._ === 'update.message' && u.message.text !== undefined) this.onMessage?.(u.message.text)
    }
    if (r.kind === 'content') acking.add(this)
  }

  ack(): void {
    for (let a = this.session.takeAck(); a; a = this.session.takeAck()) this.ws.send(this.session.pack(a).frame)
  }

  call(body: Parameters<Session<'client'>['pack']>[0]): Promise<RelayBody> {
    const { frame, msgId } = this.session.pack(body)
    return new Promise((resolve) => {
      this.calls.set(msgId, resolve)
      this.ws.send(frame)
    })
  }

  /** Sends without waiting (the answer is still read and acked). */
  fire(body: Parameters<Session<'client'>['pack']>[0]): void {
    this.ws.send(this.session.pack(body).frame)
  }

  close(): void {
    this.ws.terminate()
  }
}

let ridCounter = 0
const ridPrefix = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0')
const randomId = () => ridPrefix + (ridCounter++).toString(16).padStart(8, '0')

async function mtchat(): Promise<Result['connect']> {
  const serverKey = new Uint8Array(Buffer.from(args.serverKey!, 'base64'))
  const secret = new TextEncoder().encode(args.jwtSecret!)
  const run = Math.random().toString(36).slice(2, 8)
  const jwt = (sub: string) => new SignJWT({ name: sub }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(secret)
  const signedIn = async (sub: string) => {
    const c = await MtClient.connect(args.url, serverKey)
    const r = await c.call({ _: 'auth.signIn', token: await jwt(sub), device_id: 'bench' })
    if (r._ !== 'rpc_result') throw new Error(`signIn: ${JSON.stringify(r)}`)
    return { c, id: (r.result as { user: { id: number } }).user.id }
  }
  // Clients ack the relay's content frames in batches (PROTOCOL §2.7: within 200 ms); 100 ms here.
  const ackTimer = setInterval(() => {
    for (const c of acking) c.ack()
    acking.clear()
  }, 100)
  ackTimer.unref()

  const ends = await inBatches(args.pairs, 25, async (i) => ({ s: await signedIn(`s-${run}-${i}`), r: await signedIn(`r-${run}-${i}`) }))

  // Connect + handshake + sign-in of existing users, one at a time (the relay otherwise idle).
  const connectMs: number[] = []
  for (let i = 0; i < args.connectSamples; i++) {
    const t0 = performance.now()
    const { c } = await signedIn(`s-${run}-${i % args.pairs}`)
    connectMs.push(performance.now() - t0)
    c.close()
  }
  connectMs.sort((x, y) => x - y)

  for (const { s, r } of ends) {
    const pair: Pair = {
      inflight: 0,
      send: () => s.c.fire({ _: 'messages.send', peer: r.id, random_id: randomId(), text: payload() }),
    }
    r.c.onMessage = (text) => onDelivered(pair, parseFloat(text))
    pump(pair)
  }
  return { p50Ms: connectMs[Math.floor(connectMs.length / 2)], p99Ms: connectMs[Math.floor(connectMs.length * 0.99)], samples: connectMs.length }
}

// --- socket.io -------------------------------------------------------------------------------

async function socketio(): Promise<void> {
  const open = (room: number) =>
    new Promise<Socket>((resolve, reject) => {
      const s = io(args.url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { room: String(room) } })
      s.once('connect', () => resolve(s))
      s.once('connect_error', reject)
    })
  const ends = await inBatches(args.pairs, 50, async (i) => ({ s: await open(i), r: await open(i) }))
  // The room join happens on the server after connect; give it a moment.
  await new Promise((r) => setTimeout(r, 200))
  for (const { s, r } of ends) {
    const pair: Pair = { inflight: 0, send: () => s.emit('m', payload()) }
    r.on('m', (text: string) => onDelivered(pair, parseFloat(text)))
    pump(pair)
  }
}

// --- ws --------------------------------------------------------------------------------------

async function rawWs(): Promise<void> {
  const open = (pair: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${args.url.replace(/^http/, 'ws')}/?pair=${pair}`, { perMessageDeflate: false })
      ws.once('open', () => resolve(ws))
      ws.once('error', reject)
    })
  const ends = await inBatches(args.pairs, 50, async (i) => ({ s: await open(i), r: await open(i) }))
  for (const { s, r } of ends) {
    const buf = Buffer.alloc(args.size)
    const pair: Pair = {
      inflight: 0,
      send: () => {
        buf.writeDoubleLE(performance.now(), 0)
        s.send(buf)
      },
    }
    r.on('message', (data: Buffer) => onDelivered(pair, data.readDoubleLE(0)))
    pump(pair)
  }
}

// --- run -------------------------------------------------------------------------------------

const hardStop = setTimeout(() => {
  process.stderr.write('loadgen: hard time limit reached\n')
  process.exit(3)
}, args.warmupMs + args.measureMs + 120_000)
hardStop.unref()

const connect = args.target === 'mt-chat' ? await mtchat() : args.target === 'socket.io' ? (await socketio(), undefined) : (await rawWs(), undefined)
await new Promise((r) => setTimeout(r, args.warmupMs))
measuring = true
// The orchestrator reads both processes' CPU time at these two lines.
process.stdout.write('MEASURE start\n')
const t0 = performance.now()
await new Promise((r) => setTimeout(r, args.measureMs))
measuring = false
stopped = true
const seconds = (performance.now() - t0) / 1000
const result: Result = {
  delivered,
  seconds,
  msgsPerSec: delivered / seconds,
  p50Ms: percentile(latencies, samples, 0.5),
  p99Ms: percentile(latencies, samples, 0.99),
  connect,
  errors,
}
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)
