/**
 * A small layer-1 test client for the gateway's integration tests: `ws` (or POST /v1/poll) plus
 * the protocol core's `ClientHandshake` and `Session`. It is deliberately not the SDK client: it
 * exposes the raw exchange (every frame sent and received, notifications, close codes) so tests
 * can capture, replay, corrupt and time frames.
 *
 * Results are validated with the protocol's own result schemas (`parseResult`), so every answer
 * the relay gives in these tests is also checked against docs/PROTOCOL.md §3.
 */
import { clientCryptoOf } from '../../sdk/crypto/client-crypto.js'
import WebSocket from 'ws'
import { nobleProvider } from '../../sdk/crypto/noble.js'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { MtChatError, type ErrorCode } from '../../sdk/errors.js'
import { ClientHandshake } from '../../sdk/protocol/handshake.js'
import type { HandshakeKeys } from '../../sdk/protocol/handshake-codec.js'
import { Session, type Rejected } from '../../sdk/protocol/session.js'
import { FROM_RELAY } from '../../sdk/protocol/schemas/registry.js'
import type { RelayBody } from '../../sdk/protocol/schemas/registry.js'
import { parseResult, type RpcMethod, type RpcParams, type RpcResultOf } from '../../sdk/protocol/schemas/rpc.js'
import type { Update } from '../../sdk/protocol/schemas/updates.js'
import { decodePollBody, encodePollBody } from '../../sdk/protocol/poll-body.js'

/** Moves frames to and from the relay. */
interface Wire {
  send(frame: Uint8Array): void
  close(code?: number): void
  /** Stops (true) or resumes (false) reading from the network: a consumer that does not read. */
  pause?(paused: boolean): void
}

/** How the client was closed. */
export interface CloseInfo {
  code: number
  reason: string
}

/** Options of {@link TestClient.connect}. */
export interface TestClientOptions {
  /** `ws` (default) or `poll`. */
  transport?: 'ws' | 'poll'
  provider?: CryptoProvider
  /** Send `msgs_ack` for every content frame automatically (default true, batched per 5 ms). */
  autoAck?: boolean
  /** Milliseconds to wait for the handshake (default 5000). */
  timeoutMs?: number
}

type Waiter = { resolve: (body: RelayBody) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }

/** A decoded rpc_error, as a thrown MtChatError with `details.retryAfter`. */
function rpcError(err: { code: string; message: string; retry_after?: number }): MtChatError {
  const code = (MtChatError.isCode(err.code) ? err.code : 'INTERNAL') as ErrorCode
  return new MtChatError(code, err.message, { details: { retryAfter: err.retry_after, wireCode: err.code } })
}

/**
 * A connected, handshaken layer-1 client.
 * @example
 * ```ts
 * const c = await TestClient.connect(relay.wsUrl, relay.serverKey)
 * await c.call('auth.signIn', { token })
 * const { message } = await c.call('messages.send', { peer: 2, random_id: '0123456789abcdef', text: 'hi' })
 * ```
 */
export class TestClient {
  /** Every frame this client sent, in order (for replay tests). */
  readonly sent: Uint8Array[] = []
  /** The msg_id of each frame in {@link sent} that this client packed (undefined for raw bytes). */
  readonly sentIds: Array<bigint | undefined> = []
  /** Every body the relay sent that the session accepted, in order. */
  readonly received: RelayBody[] = []
  /** Updates pushed in `updates` frames, in order. */
  readonly updates: Update[] = []
  /** Frames the session refused (should stay empty against a correct relay). */
  readonly refused: Rejected[] = []
  /** Resolves when the connection closes. */
  readonly closed: Promise<CloseInfo>
  closeInfo: CloseInfo | undefined
  /** Bytes of every frame received (accepted or not). */
  bytesReceived = 0
  private readonly calls = new Map<bigint, { method: RpcMethod; resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private waiters: Array<{ match: (b: RelayBody) => boolean } & Waiter> = []
  private ackTimer: NodeJS.Timeout | undefined

  private constructor(
    private readonly wire: Wire,
    readonly session: Session<'client'>,
    closed: Promise<CloseInfo>,
    private readonly autoAck: boolean,
    /** A copy of the handshake's keys, for tests that craft frames by hand (bad salt, session, seq_no). */
    readonly keys: HandshakeKeys,
  ) {
    this.closed = closed.then((info) => (this.closeInfo = info))
    void this.closed.then((info) => {
      const err = new MtChatError('CONNECTION_CLOSED', `closed ${info.code} ${info.reason}`, { details: { close: info.code } })
      for (const c of this.calls.values()) c.reject(err)
      this.calls.clear()
      for (const w of this.waiters) {
        clearTimeout(w.timer)
        w.reject(err)
      }
      this.waiters = []
      if (this.ackTimer) clearTimeout(this.ackTimer)
    })
  }

  /** Connects, runs the handshake against the pinned `serverKey` and returns the client. */
  static async connect(baseUrl: string, serverKey: Uint8Array, options: TestClientOptions = {}): Promise<TestClient> {
    const provider = options.provider ?? nobleProvider
    const hs = new ClientHandshake({ provider: clientCryptoOf(provider), now: Date.now, serverKey })
    const timeout = options.timeoutMs ?? 5000
    const { wire, firstFrame, closed, onFrame } = options.transport === 'poll' ? await openPoll(baseUrl, await hs.start(), timeout) : await openWs(baseUrl, await hs.start(), timeout)
    const r = await hs.finish(firstFrame)
    if (!r.ok) {
      wire.close(r.close)
      throw r.error
    }
    const keys = { ...r.keys, authKey: r.keys.authKey.slice(), authKeyId: r.keys.authKeyId.slice(), salt: r.keys.salt.slice() }
    const session = new Session({ role: 'client', bodies: FROM_RELAY, provider, now: Date.now, ...r.keys })
    const client = new TestClient(wire, session, closed, options.autoAck ?? true, keys)
    onFrame((frame) => client.onFrame(frame), keys.authKeyId)
    return client
  }

  /** Opens a raw WebSocket (no handshake) for tests of what the relay does with bad first frames. */
  static raw(baseUrl: string): WebSocket {
    return new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`)
  }

  private onFrame(frame: Uint8Array): void {
    this.bytesReceived += frame.length
    const r = this.session.unpack(frame)
    if (!r.ok) {
      this.refused.push(r)
      return
    }
    const body = r.body
    this.received.push(body)
    if (body._ === 'updates') this.updates.push(...body.updates)
    if (body._ === 'rpc_result' || body._ === 'rpc_error') {
      const call = this.calls.get(body.req_msg_id)
      if (call) {
        this.calls.delete(body.req_msg_id)
        if (body._ === 'rpc_error') call.reject(rpcError(body.error))
        else {
          try {
            call.resolve(parseResult(call.method, body.result))
          } catch (err) {
            call.reject(err as Error)
          }
        }
      }
    }
    for (const w of [...this.waiters])
      if (w.match(body)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        clearTimeout(w.timer)
        w.resolve(body)
      }
    if (r.kind === 'content' && this.autoAck && !this.ackTimer) this.ackTimer = setTimeout(() => this.flushAck(), 5)
  }

  /** Sends the pending `msgs_ack` now. */
  flushAck(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer)
    this.ackTimer = undefined
    for (let ack = this.session.takeAck(); ack; ack = this.session.takeAck()) this.sendBody(ack)
  }

  /** Packs and sends any client body; returns its msg_id. */
  sendBody(body: Parameters<Session<'client'>['pack']>[0]): bigint {
    const packed = this.session.pack(body)
    this.sendFrame(packed.frame, packed.msgId)
    return packed.msgId
  }

  /** Sends raw bytes as one frame (replays, garbage, fuzz). */
  sendFrame(frame: Uint8Array, msgId?: bigint): void {
    this.sent.push(frame)
    this.sentIds.push(msgId)
    this.wire.send(frame)
  }

  /** Calls an RPC method; resolves with its validated result, rejects with the rpc_error as MtChatError. */
  call<M extends RpcMethod>(method: M, params: RpcParams<M>, timeoutMs = 10_000): Promise<RpcResultOf<M>> {
    if (this.closeInfo) return Promise.reject(new MtChatError('CONNECTION_CLOSED', `closed ${this.closeInfo.code}`))
    return new Promise<RpcResultOf<M>>((resolve, reject) => {
      const { msgId, frame } = this.session.pack({ _: method, ...params } as never)
      const timer = setTimeout(() => {
        this.calls.delete(msgId)
        reject(new MtChatError('TIMEOUT', `${method} got no answer in ${timeoutMs} ms`))
      }, timeoutMs)
      this.calls.set(msgId, {
        method,
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as RpcResultOf<M>)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      this.sendFrame(frame, msgId)
    })
  }

  /** Waits for the first body (from now on) that matches. */
  waitFor<T extends RelayBody>(match: (b: RelayBody) => b is T, timeoutMs?: number): Promise<T>
  waitFor(match: (b: RelayBody) => boolean, timeoutMs?: number): Promise<RelayBody>
  waitFor(match: (b: RelayBody) => boolean, timeoutMs = 10_000): Promise<RelayBody> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer)
        reject(new MtChatError('TIMEOUT', `no matching frame in ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.push({ match, resolve, reject, timer })
    })
  }

  /** Waits until `updates` holds an update matching `match`, returning it (checks what came already). */
  async waitForUpdate(match: (u: Update) => boolean, timeoutMs = 10_000): Promise<Update> {
    const found = this.updates.find(match)
    if (found) return found
    const body = await this.waitFor((b) => b._ === 'updates' && b.updates.some(match), timeoutMs)
    return (body as Extract<RelayBody, { _: 'updates' }>).updates.find(match)!
  }

  /** Stops reading from the socket (WebSocket only): the relay's writes back up. */
  pause(paused = true): void {
    if (!this.wire.pause) throw new Error('pause() needs the WebSocket transport')
    this.wire.pause(paused)
  }

  /** Closes the connection from the client side. */
  close(code = 1000): void {
    if (this.ackTimer) clearTimeout(this.ackTimer)
    this.wire.close(code)
  }
}

export { decodePollBody, encodePollBody }

interface Opened {
  wire: Wire
  firstFrame: Uint8Array
  closed: Promise<CloseInfo>
  /** Starts delivering the relay's frames; `authKeyId` names the session (long-polling needs it). */
  onFrame: (handler: (frame: Uint8Array) => void, authKeyId: Uint8Array) => void
}

function openWs(baseUrl: string, hsInit: Uint8Array, timeoutMs: number): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`)
    ws.binaryType = 'nodebuffer'
    let tcp: { pause(): void; resume(): void } | undefined
    ws.on('upgrade', (res) => (tcp = res.socket))
    let handler: ((frame: Uint8Array) => void) | undefined
    let first = true
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new MtChatError('TIMEOUT', 'handshake timed out'))
    }, timeoutMs)
    const closed = new Promise<CloseInfo>((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })))
    ws.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    ws.on('open', () => ws.send(hsInit))
    ws.on('message', (data: Buffer) => {
      const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      if (first) {
        first = false
        clearTimeout(timer)
        resolve({
          wire: {
            send: (f) => ws.readyState === ws.OPEN && ws.send(f),
            close: (code) => ws.close(code),
            pause: (paused) => (paused ? tcp?.pause() : tcp?.resume()),
          },
          firstFrame: frame,
          closed,
          onFrame: (h) => (handler = h),
        })
      } else handler?.(frame)
    })
    void closed.then((info) => {
      clearTimeout(timer)
      if (first) reject(new MtChatError('CONNECTION_CLOSED', `closed ${info.code} before the handshake`, { details: { close: info.code } }))
    })
  })
}

/**
 * Long-polling wire (§2.8): a long-poll is kept open so pushes arrive; `send` posts its frames at
 * once (the relay then answers the waiting long-poll early). Answers are handled in the order the
 * requests were made, so frames reach the session in the relay's msg_id order. A 410 answer is the
 * relay closing the session, with the close code in the body.
 */
async function openPoll(baseUrl: string, hsInit: Uint8Array, timeoutMs: number): Promise<Opened> {
  let url = `${baseUrl}/v1/poll`
  const abort = new AbortController()
  const post = async (frames: Uint8Array[], signal: AbortSignal) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: encodePollBody(frames), signal })
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) }
  }
  const first = await post([hsInit], AbortSignal.timeout(timeoutMs))
  if (first.status !== 200) throw new MtChatError('CONNECTION_FAILED', `poll handshake answered ${first.status}`)
  const [hsOk] = decodePollBody(first.bytes)
  let handler: ((frame: Uint8Array) => void) | undefined
  let resolveClosed: (info: CloseInfo) => void = () => undefined
  const closed = new Promise<CloseInfo>((res) => (resolveClosed = res))
  let done = false
  let chain: Promise<void> = Promise.resolve()
  const finish = (info: CloseInfo) => {
    if (done) return
    done = true
    abort.abort()
    resolveClosed(info)
  }
  /** Issues a request now; its answer is handled after every earlier one. Resolves when handled. */
  const request = (frames: Uint8Array[]): Promise<void> => {
    const answer = post(frames, abort.signal).catch(() => undefined)
    chain = chain.then(async () => {
      const res = await answer
      if (done) return
      if (!res) return finish({ code: 1006, reason: 'request failed' })
      if (res.status === 410) {
        const info = JSON.parse(new TextDecoder().decode(res.bytes)) as { error: { close?: number; message: string } }
        return finish({ code: info.error.close ?? 1006, reason: info.error.message })
      }
      if (res.status !== 200) return finish({ code: 1006, reason: `HTTP ${res.status}` })
      for (const f of decodePollBody(res.bytes)) handler?.(f)
    })
    return chain
  }
  const loop = async () => {
    while (!done) await request([])
  }
  return {
    wire: { send: (f) => void (done || request([f])), close: (code) => finish({ code: code ?? 1000, reason: 'client closed' }) },
    firstFrame: hsOk,
    closed,
    onFrame: (h, authKeyId) => {
      handler = h
      // Requests without frames name their session (§2.8).
      url = `${baseUrl}/v1/poll?auth_key_id=${Buffer.from(authKeyId).toString('hex')}`
      void loop()
    },
  }
}
