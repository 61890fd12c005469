/**
 * The client's connection to the relay as an explicit state machine (docs/PROTOCOL.md §2–§3):
 *
 * ```
 * idle → connecting → handshaking → signing-in → online
 *            ↑             │             │          │
 *            └── offline ←─┴─────────────┴──────────┘   (backoff with jitter, then again)
 * any → closed (stop(); dispose() for good)
 * ```
 * Every transition is a `state` event `{ from, to, code, reason, transport }`. On top of whichever
 * transport opens (WebSocket first, HTTP long-polling when WebSocket cannot connect) it runs the
 * handshake against the pinned relay key, `auth.signIn` with the token provider (asked again, once,
 * when the relay says UNAUTHORIZED), RPC correlation with timeouts, `msgs_ack` batching (held back
 * until the handler of the acked frame finished, so nothing is acked before it is stored), ping
 * keepalive, and the re-send of a request refused with `bad_server_salt` under a new msg_id.
 * @module
 */
import { EventEmitter } from 'eventemitter3'
import { CLOSE_CODES, MtChatError, type ErrorCode } from '../errors.js'
import { ClientHandshake } from '../protocol/handshake.js'
import { parseResult, type RpcMethod, type RpcParams, type RpcRequest, type RpcResultOf } from '../protocol/schemas/rpc.js'
import { Session } from '../protocol/session.js'
import { FROM_RELAY } from '../protocol/schemas/registry.js'
import { backoffDelay } from './backoff.js'
import type { CallOptions, ConnectionOptions, ConnectionState, ConnectionStateEvent, SignInResult } from './connection-types.js'
import { badMsgCode, PendingCalls, rpcError, type PendingCall } from './rpc.js'
import type { Transport, TransportConnection } from './types.js'

export type { ConnectionState, ConnectionStateEvent, TokenProvider, SignInResult, ConnectionOptions, CallOptions } from './connection-types.js'

type Events = { state: [ConnectionStateEvent]; error: [MtChatError] }

const FATAL_HANDSHAKE = new Set<ErrorCode>(['HANDSHAKE_BAD_SIGNATURE', 'HANDSHAKE_BAD_NONCE'])
const CLOCK_CODES = new Set<ErrorCode>(['MSG_ID_TOO_LOW', 'MSG_ID_TOO_HIGH', 'MSG_ID_TOO_OLD'])

interface Live {
  gen: number
  transport: Transport
  conn: TransportConnection
  handshake?: ClientHandshake
  /** Frames that arrived while the (asynchronous) handshake was finishing: handled after it. */
  early?: Uint8Array[]
  session?: Session<'client'>
  opened: boolean
  lastFrameAt: number
}

/**
 * One logical connection to the relay that reconnects by itself until {@link Connection.stop}.
 * @example
 * ```ts
 * const c = new Connection({ url, serverKey, provider, transports: [webSocketTransport()], token })
 * c.on('state', (s) => console.log(s.from, '→', s.to, s.code))
 * const { pts } = await c.call('updates.getState', {})
 * ```
 */
export class Connection extends EventEmitter<Events> {
  readonly #o: ConnectionOptions
  readonly #now: () => number
  #state: ConnectionState = 'idle'
  #live: Live | undefined
  #gen = 0
  #ti = 0
  #attempt = 0
  #failedInRound = 0
  #refreshToken = false
  #fatal: MtChatError | undefined
  #disposed: string | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #connectTimer: ReturnType<typeof setTimeout> | undefined
  #pingTimer: ReturnType<typeof setInterval> | undefined
  #pongTimer: ReturnType<typeof setTimeout> | undefined
  #ackTimer: ReturnType<typeof setTimeout> | undefined
  #holds = 0
  #ackWanted = false
  #pending = new PendingCalls()
  #waiters: { resolve(): void; reject(e: MtChatError): void }[] = []
  #user: SignInResult | undefined

  constructor(opts: ConnectionOptions) {
    super()
    if (!opts.transports.length) throw new MtChatError('INVALID_ARGUMENT', 'at least one transport is needed', { op: 'connection' })
    this.#o = opts
    this.#now = opts.now ?? Date.now
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#state
  }

  /** The last `auth.signIn` result (user, device id), once signed in. */
  get signedIn(): SignInResult | undefined {
    return this.#user
  }

  /** The name of the transport in use (or being tried). */
  get transport(): string {
    return this.#o.transports[this.#ti].name
  }

  /**
   * Starts connecting now: from idle or closed, or from offline without waiting out the backoff
   * (a permanent failure is cleared). No-op while connecting or online.
   */
  start(): void {
    if (this.#disposed !== undefined) return
    if (this.#state === 'idle' || this.#state === 'closed' || this.#state === 'offline') {
      clearTimeout(this.#retryTimer)
      this.#fatal = undefined
      this.#attempt = 0
      this.#failedInRound = 0
      this.#open('start', 'connect requested')
    }
  }

  /** Starts connecting if nothing has started it yet (idle) or it was stopped; else a no-op. */
  ensureStarted(): void {
    if (this.#state === 'idle' || this.#state === 'closed') this.start()
  }

  /** Resolves once online; rejects on a permanent failure or {@link Connection.stop}. Starts connecting. */
  whenOnline(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'online') return Promise.resolve()
    if (this.#disposed !== undefined) return Promise.reject(new MtChatError('CONNECTION_CLOSED', this.#disposed, { op: 'connection' }))
    if (this.#fatal) return Promise.reject(this.#fatal)
    this.ensureStarted() // lazy; an offline backoff keeps its pace
    return new Promise((resolve, reject) => {
      const w = { resolve, reject }
      this.#waiters.push(w)
      signal?.addEventListener('abort', () => {
        this.#waiters = this.#waiters.filter((x) => x !== w)
        reject(new MtChatError('ABORTED', 'aborted while waiting for the connection', { op: 'connection' }))
      }, { once: true })
    })
  }

  /** Closes the connection for good (until the next `start`); waiting calls reject with CONNECTION_CLOSED. */
  stop(reason = 'closed by the application'): void {
    if (this.#state === 'closed') return
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    const live = this.#live
    this.#teardown(() => new MtChatError('CONNECTION_CLOSED', reason, { op: 'connection.stop' }))
    live?.conn.close(CLOSE_CODES.NORMAL, 'bye')
    this.#transition('closed', 'stop', reason)
    this.#rejectWaiters(new MtChatError('CONNECTION_CLOSED', reason, { op: 'connection.stop' }))
  }

  /**
   * Closes for good, as {@link Connection.stop}, except that nothing connects again afterwards:
   * `start` is a no-op and `whenOnline`/`call` reject with CONNECTION_CLOSED (the client closed).
   */
  dispose(reason = 'closed by the application'): void {
    this.#disposed ??= reason
    this.stop(reason)
  }

  /** Drops the current connection and reconnects (e.g. the app knows the network changed). */
  reconnect(reason = 'reconnect requested'): void {
    const live = this.#live
    if (live) live.conn.close(CLOSE_CODES.GOING_AWAY, reason)
    else this.start()
  }

  /**
   * Calls an RPC method (§3) and resolves with its validated result. Waits for `online` unless
   * `waitOnline` is false. Rejects with the relay's error code, TIMEOUT, CONNECTION_CLOSED or ABORTED.
   */
  async call<M extends RpcMethod>(method: M, params: RpcParams<M>, opts: CallOptions = {}): Promise<RpcResultOf<M>> {
    if (opts.waitOnline === false && this.#state !== 'online')
      throw new MtChatError('CONNECTION_CLOSED', `${method}: not connected`, { op: method })
    await this.whenOnline(opts.signal)
    return this.#request(method, params, opts)
  }

  #request<M extends RpcMethod>(method: M, params: RpcParams<M>, opts: CallOptions = {}): Promise<RpcResultOf<M>> {
    const live = this.#live
    if (!live?.session) return Promise.reject(new MtChatError('CONNECTION_CLOSED', `${method}: not connected`, { op: method }))
    const body = { _: method, ...params } as unknown as RpcRequest
    return new Promise<RpcResultOf<M>>((resolve, reject) => {
      let result: RpcResultOf<M>
      const call: PendingCall = {
        method,
        body,
        resolve: () => resolve(result),
        reject,
        onResult: async (raw) => {
          result = parseResult(method, raw)
          await opts.onResult?.(result)
        },
      }
      let msgId: bigint
      try {
        msgId = this.#send(live, body)
      } catch (err) {
        reject(MtChatError.is(err) ? err : new MtChatError('INVALID_ARGUMENT', String(err), { op: method, cause: err }))
        return
      }
      this.#pending.add(msgId, call, opts.timeoutMs ?? this.#o.rpcTimeoutMs ?? 30_000)
      opts.signal?.addEventListener('abort', () => {
        if (this.#pending.take(msgId)) reject(new MtChatError('ABORTED', `${method} aborted`, { op: method }))
      }, { once: true })
    })
  }

  #send(live: Live, body: Parameters<Session<'client'>['pack']>[0]): bigint {
    const packed = live.session!.pack(body)
    live.conn.send(packed.frame)
    return packed.msgId
  }

  // --- state machine ---------------------------------------------------------------------------

  #transition(to: ConnectionState, code: ConnectionStateEvent['code'], reason: string, extra: Partial<ConnectionStateEvent> = {}): void {
    const from = this.#state
    this.#state = to
    this.emit('state', { from, to, code, reason, transport: this.transport, ...extra })
  }

  #open(code: ConnectionStateEvent['code'], reason: string): void {
    this.#retryTimer = undefined
    const gen = ++this.#gen
    const transport = this.#o.transports[this.#ti]
    this.#transition('connecting', code, reason)
    const live: Live = { gen, transport, conn: undefined as unknown as TransportConnection, opened: false, lastFrameAt: 0 }
    this.#live = live
    this.#connectTimer = setTimeout(() => {
      if (this.#live === live && this.#state !== 'online')
        this.#lost(live, 'TIMEOUT', `not online within ${this.#o.connectTimeoutMs ?? 15_000} ms`, { transportFailed: !live.session })
    }, this.#o.connectTimeoutMs ?? 15_000)
    try {
      live.conn = transport.connect(this.#o.url, {
        open: () => this.#live === live && this.#onOpen(live),
        frame: (f) => this.#live === live && this.#onFrame(live, f),
        close: (i) =>
          this.#live === live &&
          this.#lost(live, 'CONNECTION_CLOSED', `${transport.name} closed (${i.code}${i.reason ? ` ${i.reason}` : ''})`, {
            transportFailed: !i.opened,
            closeCode: i.code,
          }),
      })
    } catch (err) {
      const e = MtChatError.is(err) ? err : new MtChatError('CONNECTION_FAILED', String(err), { op: 'connection', cause: err })
      queueMicrotask(() => this.#live === live && this.#lost(live, e.code, e.message, { transportFailed: true }))
    }
  }

  #onOpen(live: Live): void {
    live.opened = true
    live.lastFrameAt = this.#now()
    live.handshake = new ClientHandshake({ provider: this.#o.provider, now: this.#now, serverKey: this.#o.serverKey })
    this.#transition('handshaking', 'opened', `${live.transport.name} open`)
    live.handshake.start().then(
      (hsInit) => this.#live === live && live.conn.send(hsInit),
      (err: unknown) => this.#live === live && this.#handshakeFailed(live, err),
    )
  }

  /** The handshake could not run (its key operations failed: WebCrypto, or its fallback could not load). */
  #handshakeFailed(live: Live, err: unknown): void {
    const e = MtChatError.is(err) ? err : new MtChatError('CONNECTION_FAILED', String(err), { op: 'handshake', cause: err })
    this.emit('error', e)
    live.conn.close(CLOSE_CODES.HANDSHAKE_FAILED, e.code)
  }

  #onFrame(live: Live, frame: Uint8Array): void {
    live.lastFrameAt = this.#now()
    clearTimeout(this.#pongTimer)
    this.#pongTimer = undefined
    if (!live.session) {
      if (live.early) live.early.push(frame)
      else this.#onHandshakeFrame(live, frame).catch((err: unknown) => this.#live === live && this.#handshakeFailed(live, err))
      return
    }
    const r = live.session.unpack(frame)
    if (!r.ok) {
      // Pre-authentication failures are dropped unseen; the rest are the relay's bugs, reported.
      if (!r.preAuth) this.emit('error', r.error)
      if (r.notify && r.notify._ === 'bad_msg_notification') this.#send(live, r.notify)
      if (r.close) live.conn.close(r.close, r.error.code)
      return
    }
    if (r.kind === 'content') this.#scheduleAck(live)
    const body = r.body
    switch (body._) {
      case 'rpc_result': {
        const call = this.#pending.take(body.req_msg_id)
        if (call) this.#hold(this.#settle(call, body.result))
        break
      }
      case 'rpc_error': {
        const call = this.#pending.take(body.req_msg_id)
        if (!call) break
        const err = rpcError(call.method, body.error)
        call.reject(err)
        if (err.code === 'UNAUTHORIZED' && call.method !== 'auth.signIn') {
          this.#refreshToken = true
          live.conn.close(CLOSE_CODES.AUTH_FAILED, 'token refused')
        }
        break
      }
      case 'bad_server_salt': {
        // The session adopted the new salt; the request goes again under a new msg_id (§2.6).
        const call = this.#pending.take(body.bad_msg_id)
        if (call) {
          const msgId = this.#send(live, call.body)
          this.#pending.add(msgId, call, this.#o.rpcTimeoutMs ?? 30_000)
        }
        break
      }
      case 'bad_msg_notification': {
        const code = badMsgCode(body.error_code)
        this.#pending.take(body.bad_msg_id)?.reject(new MtChatError(code, undefined, { op: 'rpc', details: { badMsgCode: body.error_code } }))
        this.emit('error', new MtChatError(code, `the relay refused frame ${body.bad_msg_id}`, { op: 'connection', details: { badMsgCode: body.error_code } }))
        // A clock or counter mismatch does not heal on this session; a new handshake re-syncs time.
        if (CLOCK_CODES.has(code) || body.error_code >= 32) live.conn.close(CLOSE_CODES.PROTOCOL_ERROR, code)
        break
      }
      case 'updates':
        if (this.#o.onUpdates) this.#hold(Promise.resolve().then(() => this.#o.onUpdates!(body)))
        break
      case 'pong':
      case 'server_salts':
        break
    }
  }

  async #settle(call: PendingCall, raw: Record<string, unknown>): Promise<void> {
    try {
      await call.onResult?.(raw)
      call.resolve(raw)
    } catch (err) {
      call.reject(MtChatError.is(err) ? err : new MtChatError('INTERNAL', String(err), { op: call.method, cause: err }))
    }
  }

  async #onHandshakeFrame(live: Live, frame: Uint8Array): Promise<void> {
    if (!live.handshake) return
    live.early = []
    const r = await live.handshake.finish(frame)
    const early = live.early
    live.early = undefined
    if (this.#live !== live) return
    if (!r.ok) {
      if (FATAL_HANDSHAKE.has(r.error.code)) this.#fatal = r.error
      this.emit('error', r.error)
      live.conn.close(r.close, r.error.code)
      return
    }
    live.session = new Session({ role: 'client', bodies: FROM_RELAY, provider: this.#o.provider, now: this.#now, ...r.keys })
    this.#transition('signing-in', 'handshake_done', 'handshake verified against the pinned key')
    void this.#signIn(live)
    for (const f of early) if (this.#live === live) this.#onFrame(live, f)
  }

  async #signIn(live: Live): Promise<void> {
    try {
      let result: SignInResult | undefined
      for (let tries = 0; !result; tries++) {
        const refresh = this.#refreshToken
        const token = await this.#token(refresh)
        if (this.#live !== live) return
        const deviceId = await this.#o.deviceId?.()
        try {
          result = await this.#request('auth.signIn', { token, ...(deviceId ? { device_id: deviceId } : {}) })
          this.#refreshToken = false
        } catch (err) {
          const unauthorized = MtChatError.is(err, 'UNAUTHORIZED') || MtChatError.is(err, 'NOT_SIGNED_IN')
          if (!unauthorized || refresh || typeof this.#o.token !== 'function' || tries > 0) {
            if (unauthorized) this.#fatal = MtChatError.is(err) ? err : undefined
            throw err
          }
          this.#refreshToken = true // the provider is asked for a fresh token, once
        }
      }
      if (this.#live !== live) return
      this.#user = result
      await this.#o.onSignedIn?.(result)
      if (this.#live !== live) return
      clearTimeout(this.#connectTimer)
      this.#attempt = 0
      this.#failedInRound = 0
      this.#transition('online', 'signed_in', `signed in as user ${result.user.id}`)
      this.#startPing(live)
      const waiters = this.#waiters.splice(0)
      for (const w of waiters) w.resolve()
    } catch (err) {
      if (this.#live !== live) return
      const e = MtChatError.is(err) ? err : new MtChatError('CONNECTION_FAILED', String(err), { op: 'auth.signIn', cause: err })
      if (e.details.fatal === true) this.#fatal = e // e.g. the storage belongs to another account
      if (!MtChatError.is(err, 'CONNECTION_CLOSED') && !MtChatError.is(err, 'TIMEOUT')) this.emit('error', e)
      this.#lost(live, e.code, e.message, { closeCode: CLOSE_CODES.AUTH_FAILED })
    }
  }

  async #token(refresh: boolean): Promise<string> {
    const t = this.#o.token
    const token = typeof t === 'function' ? await t({ refresh }) : t
    if (typeof token !== 'string' || token.length === 0)
      throw new MtChatError('UNAUTHORIZED', 'the token provider gave no token', { op: 'auth.signIn' })
    return token
  }

  /** The connection ended or failed: tear down, and schedule the next attempt unless fatal. */
  #lost(live: Live, code: ErrorCode, reason: string, how: { transportFailed?: boolean; closeCode?: number } = {}): void {
    if (this.#live !== live) return
    this.#teardown(() => new MtChatError('CONNECTION_CLOSED', reason, { op: 'connection' }))
    live.conn.close(how.closeCode ?? CLOSE_CODES.NORMAL, code)
    if (how.closeCode === CLOSE_CODES.AUTH_FAILED) this.#refreshToken = true
    if (this.#fatal) {
      this.#transition('offline', this.#fatal.code, this.#fatal.message, { transport: live.transport.name })
      this.#rejectWaiters(this.#fatal)
      return
    }
    const n = this.#o.transports.length
    if (how.transportFailed && ++this.#failedInRound < n) {
      // This transport could not even open: try the next one (e.g. long-polling) right away.
      this.#ti = (this.#ti + 1) % n
      this.#transition('offline', code, reason, { retryInMs: 0, transport: live.transport.name })
      this.#retryTimer = setTimeout(() => this.#open('retry', `trying ${this.transport}`), 0)
      return
    }
    if (how.transportFailed) this.#ti = (this.#ti + 1) % n
    this.#failedInRound = 0
    const delay = backoffDelay(this.#attempt++, this.#o.backoff)
    this.#transition('offline', code, reason, { retryInMs: delay, transport: live.transport.name })
    this.#retryTimer = setTimeout(() => this.#open('retry', `attempt ${this.#attempt + 1}`), delay)
  }

  #teardown(err: () => MtChatError): void {
    const live = this.#live
    this.#live = undefined
    clearTimeout(this.#connectTimer)
    clearInterval(this.#pingTimer)
    clearTimeout(this.#pongTimer)
    this.#pongTimer = undefined
    clearTimeout(this.#ackTimer)
    this.#ackTimer = undefined
    this.#ackWanted = false
    this.#pending.rejectAll(err)
    live?.session?.close()
  }

  #rejectWaiters(err: MtChatError): void {
    for (const w of this.#waiters.splice(0)) w.reject(err)
  }

  // --- keepalive and acks ----------------------------------------------------------------------

  #startPing(live: Live): void {
    const every = this.#o.pingIntervalMs ?? 25_000
    this.#pingTimer = setInterval(() => {
      if (this.#live !== live || !live.session) return
      const pingId = BigInt('0x' + Array.from(this.#o.provider.randomBytes(7), (b) => b.toString(16).padStart(2, '0')).join(''))
      this.#send(live, { _: 'ping', ping_id: pingId })
      const sentAt = this.#now()
      // One deadline at a time: a later ping must not push back the deadline of an unanswered one.
      this.#pongTimer ??= setTimeout(() => {
        this.#pongTimer = undefined
        if (this.#live === live && live.lastFrameAt < sentAt) live.conn.close(CLOSE_CODES.IDLE_TIMEOUT, 'keepalive timeout')
      }, this.#o.pongTimeoutMs ?? 10_000)
    }, every)
  }

  #scheduleAck(live: Live): void {
    this.#ackTimer ??= setTimeout(() => {
      this.#ackTimer = undefined
      if (this.#holds > 0) this.#ackWanted = true
      else this.#flushAcks(live)
    }, this.#o.ackDelayMs ?? 200)
  }

  /** Keeps acks back until `work` settled: the relay must not learn "stored" before it is. */
  #hold(work: Promise<void>): void {
    this.#holds++
    const live = this.#live
    void work
      .catch((err) => {
        // The frame was not fully handled (e.g. storage failed): never ack it. Dropping the
        // connection discards the pending acks; the relay re-sends through getDifference.
        this.emit('error', MtChatError.is(err) ? err : new MtChatError('INTERNAL', String(err), { op: 'connection.handler', cause: err }))
        if (live && this.#live === live) this.#lost(live, 'STORAGE_FAILED', 'an update could not be stored', { closeCode: CLOSE_CODES.PROTOCOL_ERROR })
      })
      .finally(() => {
        if (--this.#holds === 0 && this.#ackWanted && live && this.#live === live) {
          this.#ackWanted = false
          this.#flushAcks(live)
        }
      })
  }

  #flushAcks(live: Live): void {
    if (this.#live !== live || !live.session) return
    for (let ack = live.session.takeAck(); ack; ack = live.session.takeAck()) this.#send(live, ack)
  }
}
