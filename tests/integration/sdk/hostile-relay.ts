/**
 * A hostile relay for the SDK's attack tests: a layer-1 man in the middle in front of the real
 * relay. Clients pin the proxy's key (it is the relay they talk to); the proxy opens its own
 * session to the real relay per client connection, forwards requests and answers, and runs every
 * list of updates (pushes and getDifference results) through a policy that can duplicate,
 * reorder, drop and replay secret envelopes or inject forged ones. It renumbers pts on the way
 * down, as a relay that controls the update log would, so duplicates reach the secret-chat layer
 * instead of being skipped by pts. Acks are translated back, so what the policy drops is acked
 * upstream — the real relay forgets it, and only the secret layer's resend can repair the gap.
 */
import { clientCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { WebSocket, WebSocketServer } from 'ws'
import type { AddressInfo } from 'node:net'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { ClientHandshake, RelayHandshake } from '../../../sdk/protocol/handshake.js'
import type { Update } from '../../../sdk/protocol/schemas/updates.js'
import { Session } from '../../../sdk/protocol/session.js'
import { FROM_CLIENT, FROM_RELAY } from '../../../sdk/protocol/schemas/registry.js'
import { webSocketTransport, type Transport } from '../../../sdk/index.node.js'

type SecretUpdate = Extract<Update, { _: 'update.secret' }>

/** Decides what reaches the client for each update.secret (n counts them from 1). */
export type Policy = (u: SecretUpdate, n: number) => Update[]

/** pts as the client sees it (down) ↔ pts of the real relay (up). */
class PtsMap {
  down = 0
  readonly pairs: [down: number, up: number][] = [[0, 0]]

  /** A fresh downstream pts for an update whose upstream pts is `up`. */
  next(up: number): number {
    this.down++
    this.pairs.push([this.down, up])
    return this.down
  }

  /** The upstream pts to resume from for a client at downstream pts `d`. */
  up(d: number): number {
    let up = 0
    for (const [down, u] of this.pairs) if (down <= d) up = Math.max(up, u)
    return up
  }

  /** The downstream pts standing for upstream `up` (no update delivered since). */
  mark(up: number): number {
    const last = this.pairs[this.pairs.length - 1]
    if (up > last[1]) this.pairs.push([this.down, up])
    return this.down
  }
}

export class HostileRelay {
  readonly secretKey = nodeProvider.randomBytes(32)
  readonly publicKey = nodeProvider.ed25519PublicKey(this.secretKey)
  readonly #pts = new PtsMap()
  readonly #sessions = new Set<{ deliver(updates: Update[]): void }>()
  #wss!: WebSocketServer
  #url = ''
  /** Every secret envelope the policy saw, in order. */
  readonly seen: SecretUpdate[] = []
  #n = 0

  private constructor(
    readonly upstream: string,
    readonly upstreamKey: Uint8Array,
    readonly policy: Policy,
  ) {}

  static async start(upstream: string, upstreamKey: Uint8Array, policy: Policy): Promise<HostileRelay> {
    const r = new HostileRelay(upstream, upstreamKey, policy)
    r.#wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/ws' })
    await new Promise<void>((resolve) => r.#wss.once('listening', () => resolve()))
    r.#url = `http://127.0.0.1:${(r.#wss.address() as AddressInfo).port}`
    r.#wss.on('connection', (ws) => r.#serve(ws))
    return r
  }

  /** A transport for SDK clients: WebSocket to the proxy (HTTP still goes to the real relay). */
  transport(): Transport {
    const inner = webSocketTransport(WebSocket as never)
    return { name: 'hostile', connect: (_url, h) => inner.connect(this.#url, h) }
  }

  /** Pushes a forged update (not through the policy) to every connected client, with a fresh pts. */
  inject(u: Update): void {
    const last = this.#pts.pairs[this.#pts.pairs.length - 1][1]
    const forged = 'pts' in u ? ({ ...u, pts: this.#pts.next(last) } as Update) : u
    for (const s of this.#sessions) s.deliver([forged])
  }

  async close(): Promise<void> {
    for (const c of this.#wss.clients) c.terminate()
    await new Promise<void>((r) => this.#wss.close(() => r()))
  }

  /** Runs a list of updates through the policy and renumbers pts for the client. */
  #rewrite(updates: Update[]): Update[] {
    const out: Update[] = []
    for (const u of updates) {
      const list = u._ === 'update.secret' ? (this.seen.push(u), this.policy(u, ++this.#n)) : [u]
      for (const x of list) out.push('pts' in x ? ({ ...x, pts: this.#pts.next(x.pts) } as Update) : x)
    }
    return out
  }

  #serve(down: WebSocket): void {
    const p = nodeProvider
    const hs = new RelayHandshake({ provider: p, now: Date.now, secretKey: this.secretKey })
    let ds: Session<'relay'> | undefined
    let us: Session<'client'> | undefined
    const up = new WebSocket(this.upstream.replace(/^http/, 'ws') + '/v1/ws')
    up.binaryType = 'arraybuffer'
    const chs = new ClientHandshake({ provider: clientCryptoOf(p), now: Date.now, serverKey: this.upstreamKey })
    const upReady = new Promise<void>((resolve) => {
      up.once('open', () => void chs.start().then((f) => up.send(f)))
      // Frames after hs_ok wait until the (asynchronous) handshake has finished.
      const early: Uint8Array[] = []
      up.once('message', (data: ArrayBuffer) => {
        const onEarly = (d: ArrayBuffer) => early.push(new Uint8Array(d))
        up.on('message', onEarly)
        void chs.finish(new Uint8Array(data)).then((r) => {
          up.off('message', onEarly)
          if (!r.ok) return down.close(1011)
          us = new Session({ role: 'client', bodies: FROM_RELAY, provider: p, now: Date.now, ...r.keys })
          up.on('message', (d: ArrayBuffer) => onUp(new Uint8Array(d)))
          for (const f of early) onUp(f)
          resolve()
        })
      })
    })
    const reqs = new Map<bigint, { down: bigint; method: string }>() // upstream request id → client's
    const acks = new Map<bigint, bigint>() // downstream frame id → upstream frame id
    const close = () => {
      down.close()
      up.close()
      this.#sessions.delete(session)
    }
    const sendDown = (body: Parameters<Session<'relay'>['pack']>[0], upId?: bigint) => {
      if (!ds || down.readyState !== 1) return
      const packed = ds.pack(body)
      if (upId !== undefined) acks.set(packed.msgId, upId)
      down.send(packed.frame)
    }
    const sendUp = (body: Parameters<Session<'client'>['pack']>[0]) => {
      const packed = us!.pack(body)
      up.send(packed.frame)
      return packed.msgId
    }
    const session = { deliver: (updates: Update[]) => sendDown({ _: 'updates', updates, pts: this.#pts.down }) }

    const onUp = (frame: Uint8Array) => {
      const r = us!.unpack(frame)
      if (!r.ok) return
      const b = r.body
      if (b._ === 'rpc_result' || b._ === 'rpc_error') {
        const req = reqs.get(b.req_msg_id)
        if (!req) return
        reqs.delete(b.req_msg_id)
        if (b._ === 'rpc_error') return sendDown({ ...b, req_msg_id: req.down }, r.msgId)
        let result = b.result
        if (req.method === 'updates.getDifference') {
          const diff = result as { updates: Update[]; pts: number; more: boolean }
          const updates = this.#rewrite(diff.updates)
          result = { ...diff, updates, pts: this.#pts.mark(diff.pts) }
        } else if (req.method === 'auth.signIn') {
          const s = result as { pts: number }
          result = { ...s, pts: this.#pts.mark(s.pts) }
        }
        return sendDown({ _: 'rpc_result', req_msg_id: req.down, result }, r.msgId)
      }
      if (b._ === 'updates') {
        const updates = this.#rewrite(b.updates)
        this.#pts.mark(b.pts)
        // Everything of this frame dropped: the proxy acks it itself, the relay forgets it.
        if (updates.length === 0) return void sendUp({ _: 'msgs_ack', msg_ids: [r.msgId] })
        sendDown({ _: 'updates', updates, pts: this.#pts.down }, r.msgId)
      }
    }

    down.binaryType = 'arraybuffer'
    down.on('close', close)
    up.on('close', close)
    down.on('message', async (data: ArrayBuffer) => {
      const frame = new Uint8Array(data)
      await upReady
      if (!ds) {
        const r = hs.answer(frame)
        if (!r.ok) return down.close(r.close)
        ds = new Session({ role: 'relay', bodies: FROM_CLIENT, provider: p, now: Date.now, ...r.keys })
        down.send(r.frame)
        this.#sessions.add(session)
        return
      }
      const r = ds.unpack(frame)
      if (!r.ok) return
      const b = r.body
      if (b._ === 'ping') return sendDown({ _: 'pong', msg_id: r.msgId, ping_id: b.ping_id })
      if (b._ === 'msgs_ack') {
        const ids = [...new Set(b.msg_ids.map((id) => acks.get(id)).filter((x): x is bigint => x !== undefined))]
        if (ids.length) sendUp({ _: 'msgs_ack', msg_ids: ids })
        return
      }
      if (b._ === 'bad_msg_notification') return
      let body = b
      if (b._ === 'updates.getDifference') body = { ...b, pts: this.#pts.up(b.pts) }
      const upId = sendUp(body)
      reqs.set(upId, { down: r.msgId, method: b._ })
    })
  }
}
