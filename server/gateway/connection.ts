/**
 * One client connection of the gateway (docs/PROTOCOL.md §2): one `RelayHandshake`, then one
 * layer-1 `Session`, over any {@link Transport} (WebSocket or long-polling).
 *
 * Every frame goes through `session.unpack`; a refused frame is answered with the notification the
 * protocol core chose (`bad_msg_notification`, `bad_server_salt`, `rpc_error`) or closes the
 * connection with its code (4002 after 10 pre-authentication failures), is counted by code and
 * audit-logged as metadata. Each frame is handled inside one try/catch: nothing a peer sends can
 * crash the relay; an unexpected error becomes `rpc_error INTERNAL`, logged without content.
 *
 * After `auth.signIn` the connection subscribes to its user's updates on the bus; its
 * {@link Outbox} pushes them (`updates` frames, `msg_id ≡ 3 mod 4`, secret envelopes only to the
 * addressed device) and turns the client's `msgs_ack` into ✔✔ and envelope deletion.
 * @module
 */
import { CLOSE_CODES, MtChatError } from '../../sdk/errors.js'
import { RelayHandshake } from '../../sdk/protocol/handshake.js'
import type { RpcMethod } from '../../sdk/protocol/schemas/rpc.js'
import type { ClientBody, RelayBody } from '../../sdk/protocol/schemas/registry.js'
import { Session, type Rejected } from '../../sdk/protocol/session.js'
import { FROM_CLIENT } from '../../sdk/protocol/schemas/registry.js'
import type { EphemeralUpdate, Update } from '../services/update-types.js'
import type { AuthContext } from '../auth/authenticate.js'
import type { GatewayContext } from './context.js'
import type { Traffic } from './metrics.js'
import { errorFacts } from './log-facts.js'
import { Outbox } from './outbox.js'
import { deliverables } from './pushes.js'
import { AbuseCounter, TokenBucket } from './rate-limit.js'
import { dispatch } from './rpc/index.js'
import type { Transport } from './transport.js'

/** Where a connection is. */
export type ConnectionState = 'handshake' | 'open' | 'closed'

/** The signed-in identity of a connection. */
export interface BoundUser {
  id: number
  deviceId: string
}

/** Rejections audit-logged one by one per connection; the rest are summed up at close. */
const AUDIT_REJECTIONS = 3

let counter = 0

/** One client connection; see the module comment. */
export class Connection {
  /** Identifies this connection as the origin of its own updates (skipped when pushed back). */
  readonly tag: string
  readonly openedAt: number
  private state: ConnectionState = 'handshake'
  private readonly hs: RelayHandshake
  private session: Session<'relay'> | undefined
  private bound: BoundUser | undefined
  /** The relay session of the token, for revocation. */
  sessionId: number | undefined
  /**
   * When the relay session behind the sign-in expires (unix ms): the connection closes then (4003).
   * A host JWT is a one-time proof at sign-in (hosts issue short-lived ones), so it sets none.
   */
  private expiresAt = Infinity
  private unsubscribe: (() => void) | undefined
  private pts = 0
  private readonly outbox = new Outbox(this)
  private lastActivity: number
  private readonly requests: TokenBucket
  private readonly frames: TokenBucket
  private readonly abuse: AbuseCounter
  private signInFailures = 0
  private signingIn = false
  private readonly watched = new Set<number>()
  private readonly rejections = new Map<string, number>()
  private rejectionCount = 0
  private readonly traffic: Traffic

  constructor(
    readonly ctx: GatewayContext,
    readonly transport: Transport,
  ) {
    const now = ctx.clock.now()
    this.tag = `${ctx.nodeTag}:${++counter}`
    this.openedAt = now
    this.lastActivity = now
    this.hs = new RelayHandshake({ provider: ctx.provider, now: () => ctx.clock.now(), sign: ctx.sign })
    this.requests = new TokenBucket(ctx.options.requestRate, now)
    this.frames = new TokenBucket(ctx.options.frameRate, now)
    this.abuse = new AbuseCounter(ctx.options.abuseMax, ctx.options.abuseWindowMs)
    this.traffic = ctx.metrics.traffic[transport.kind]
    ctx.hub.add(this)
    ctx.metrics.connections.inc({ transport: transport.kind })
    ctx.metrics.connectionsTotal.inc({ transport: transport.kind })
  }

  /** The signed-in user and device, if any. */
  get user(): BoundUser | undefined {
    return this.bound
  }

  /** True while frames may be sent. */
  get open(): boolean {
    return this.state === 'open'
  }

  /** The pts this connection last told the client (signIn, getDifference, pushes). */
  get knownPts(): number {
    return this.pts
  }

  /** Raises {@link knownPts}. */
  notePts(pts: number): void {
    if (pts > this.pts) this.pts = pts
  }

  /** The 8-byte auth_key_id once the handshake is done (long-polling keys sessions by it). */
  get authKeyId(): Uint8Array | undefined {
    return this.session?.authKeyId
  }

  /** Counts as activity for the idle timeout (a long-poll request without frames). */
  touch(now: number): void {
    this.lastActivity = now
  }

  /** Handles one incoming frame. Never throws. */
  receive(frame: Uint8Array): void {
    if (this.state === 'closed' || this.ctx.hub.draining) return
    const now = this.ctx.clock.now()
    this.lastActivity = now
    this.traffic.framesIn++
    this.traffic.bytesIn += frame.length
    let msgId: bigint | undefined
    try {
      if (this.state === 'handshake') return this.handshake(frame)
      const r = this.session!.unpack(frame)
      if (!r.ok) return this.rejected(r)
      msgId = r.msgId
      if (!this.frames.take(now) && this.abused(now)) return
      this.accepted(r.msgId, r.body)
      this.announceSalts()
    } catch (err) {
      this.ctx.log.error({ err: errorFacts(err), conn: this.tag }, 'gateway: frame handler failed')
      if (msgId !== undefined) this.answerError(msgId, new MtChatError('INTERNAL'))
    }
  }

  private handshake(frame: Uint8Array): void {
    const stop = this.ctx.metrics.handshakeDuration.startTimer()
    const r = this.hs.answer(frame)
    stop()
    if (!r.ok) {
      this.count(r.error.code, true)
      return this.close(r.close, r.error.code)
    }
    if (!this.transport.send(r.frame)) return this.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer')
    this.session = new Session({
      role: 'relay', bodies: FROM_CLIENT,
      provider: this.ctx.provider,
      now: () => this.ctx.clock.now(),
      ...r.keys,
      maxFrameSize: this.ctx.options.maxFrame,
      saltPeriodMs: this.ctx.options.saltPeriodMs,
    })
    this.state = 'open'
  }

  private rejected(r: Rejected): void {
    this.count(r.error.code, r.preAuth)
    if (r.notify) this.send(r.notify)
    if (r.close) this.close(r.close, r.error.code)
  }

  /** Counts a refused frame by code; audits the first few of a connection, sums up the rest at close. */
  private count(code: string, preAuth: boolean): void {
    this.ctx.metrics.rejected.inc({ code })
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1)
    if (++this.rejectionCount <= AUDIT_REJECTIONS)
      this.ctx.services.audit.record('frame.rejected', { userId: this.bound?.id, ip: this.transport.remote, meta: { code, pre_auth: preAuth, transport: this.transport.kind } })
  }

  /** A rate-limit refusal; true (and closed 4008) when the connection keeps going over. */
  private abused(now: number): boolean {
    if (!this.abuse.hit(now)) return false
    this.ctx.metrics.rejected.inc({ code: 'RATE_LIMITED' })
    this.close(CLOSE_CODES.RATE_LIMITED, 'rate limited')
    return true
  }

  private accepted(msgId: bigint, body: ClientBody): void {
    switch (body._) {
      case 'msgs_ack':
        return this.outbox.acked(body.msg_ids, (err) => this.ctx.log.warn({ err: errorFacts(err), conn: this.tag }, 'gateway: recording an ack failed'))
      case 'ping':
        this.send({ _: 'pong', msg_id: msgId, ping_id: body.ping_id })
        return
      case 'bad_msg_notification':
        // The client refused one of our frames: a bug on one side; nothing to re-send.
        this.ctx.log.warn({ conn: this.tag, code: body.error_code }, 'gateway: client refused a relay frame')
        return
      default:
        return this.request(msgId, body)
    }
  }

  private request(msgId: bigint, body: Extract<ClientBody, { _: RpcMethod }>): void {
    const now = this.ctx.clock.now()
    if (!this.requests.take(now)) {
      if (this.abused(now)) return
      const error = new MtChatError('RATE_LIMITED', 'too many requests on this connection', { details: { retryAfter: this.requests.retryAfter(now) }, expose: true })
      return this.answerError(msgId, error, body._)
    }
    if (body._ === 'auth.signIn') {
      if (this.bound || this.signingIn) return this.answerError(msgId, new MtChatError('INVALID_STATE', 'this connection is already signed in', { expose: true }), body._)
      this.signingIn = true
    } else if (!this.bound) return this.answerError(msgId, new MtChatError('NOT_SIGNED_IN', `${body._} needs auth.signIn first`, { expose: true }), body._)
    const started = performance.now()
    const stop = () => this.ctx.metrics.rpcDuration.observe({ method: body._ }, (performance.now() - started) / 1000)
    const answered = dispatch(this.ctx, this, body).then(
      (result) => {
        stop()
        try {
          const sent = this.send({ _: 'rpc_result', req_msg_id: msgId, result })
          const ok = this.ctx.metrics.rpcOk
          ok.set(body._, (ok.get(body._) ?? 0) + 1)
          if (sent !== undefined && body._ === 'updates.getDifference') this.outbox.track(sent, deliverables(this.bound!.id, (result as { updates: Update[] }).updates))
        } catch (err) {
          // E.g. a result over the frame limit: the request still gets exactly one answer.
          this.answerError(msgId, err, body._)
        }
      },
      (err: unknown) => {
        stop()
        if (body._ === 'auth.signIn') this.signInFailed(err)
        this.answerError(msgId, err, body._)
      },
    )
    this.ctx.hub.trackRequest(answered)
  }

  private signInFailed(err: unknown): void {
    this.signingIn = false
    if (MtChatError.is(err, 'UNAUTHORIZED') && ++this.signInFailures >= this.ctx.options.maxSignInFailures)
      setImmediate(() => this.close(CLOSE_CODES.AUTH_FAILED, 'sign-in failed'))
  }

  /** Sends `rpc_error` for a request: the error's code when it may be shown, else INTERNAL. */
  private answerError(msgId: bigint, err: unknown, method?: string): void {
    let error = MtChatError.is(err) && err.expose ? err : undefined
    if (!error) {
      if (!MtChatError.is(err) || err.code === 'INTERNAL') this.ctx.log.error({ err: errorFacts(err), conn: this.tag, method }, 'gateway: request failed')
      error = new MtChatError(MtChatError.is(err) && err.code === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'INTERNAL')
    }
    if (method) this.ctx.metrics.rpc.inc({ method, result: error.code })
    const retry = error.details.retryAfter
    this.send({
      _: 'rpc_error',
      req_msg_id: msgId,
      error: { code: error.code, message: error.message.slice(0, 1024), ...(typeof retry === 'number' ? { retry_after: Math.ceil(retry) } : {}) },
    })
  }

  /** Binds the signed-in user: pushes start, presence says online. Called by `auth.signIn`. */
  bind(who: AuthContext, deviceId: string, pts: number): void {
    if (this.state === 'closed') return
    this.signingIn = false
    this.bound = { id: who.user.id, deviceId }
    this.sessionId = who.sessionId
    if (who.sessionId !== undefined) this.expiresAt = who.expiresAt
    this.notePts(pts)
    this.ctx.hub.bind(this, who.user.id)
    this.unsubscribe = this.ctx.services.bus.subscribe(who.user.id, (d) => this.outbox.deliver(d))
    this.ctx.services.presence.connected(who.user.id)
  }

  /** Watches the presence of `userIds`; false when over the per-connection limit. */
  watch(userIds: readonly number[]): boolean {
    return this.ctx.hub.watch(this, userIds, this.watched)
  }

  /** Pushes an ephemeral update (presence, typing) with the next flush. */
  pushEphemeral(update: EphemeralUpdate): void {
    if (this.state === 'open' && this.bound) this.outbox.push(update)
  }

  private announceSalts(): void {
    const salts = this.session?.takeSaltAnnouncement()
    if (salts) this.send(salts)
  }

  /**
   * Packs and queues a body; its msg_id, or `undefined` when nothing was sent (closed, or the
   * queue is full — then the connection is closed with 4010).
   */
  send(body: RelayBody): bigint | undefined {
    if (this.state !== 'open' || !this.session) return undefined
    const packed = this.session.pack(body)
    if (!this.transport.send(packed.frame)) {
      this.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer')
      return undefined
    }
    this.traffic.framesOut++
    this.traffic.bytesOut += packed.frame.length
    return packed.msgId
  }

  /** Timers: handshake and idle timeouts (4004), salt rotation (§2.6). Called by the hub's sweep. */
  tick(now: number): void {
    if (this.state === 'closed') return
    if (this.state === 'handshake' && now - this.openedAt > this.ctx.options.handshakeTimeoutMs) return this.close(CLOSE_CODES.IDLE_TIMEOUT, 'handshake timeout')
    if (now - this.lastActivity > this.ctx.options.idleTimeoutMs) return this.close(CLOSE_CODES.IDLE_TIMEOUT, 'idle timeout')
    if (now >= this.expiresAt) return this.close(CLOSE_CODES.AUTH_FAILED, 'credentials expired')
    try {
      this.announceSalts()
    } catch (err) {
      this.ctx.log.error({ err: errorFacts(err), conn: this.tag }, 'gateway: salt announcement failed')
    }
  }

  /** Closes with a WebSocket close code (§Errors). Idempotent. */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return
    this.transport.close(code, reason)
    this.closed(code)
  }

  /** The transport went away (peer closed, network error): forget everything. Idempotent, never throws. */
  closed(code: number): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    try {
      this.forget(code)
    } catch (err) {
      this.ctx.log.error({ err: errorFacts(err), conn: this.tag }, 'gateway: cleanup after close failed')
    }
  }

  private forget(code: number): void {
    const { ctx } = this
    ctx.metrics.connections.dec({ transport: this.transport.kind })
    ctx.metrics.closes.inc({ code })
    this.unsubscribe?.()
    this.unsubscribe = undefined
    ctx.hub.remove(this, this.bound?.id, this.watched)
    this.session?.close()
    this.outbox.clear()
    if (this.bound) ctx.hub.track(ctx.services.presence.disconnected(this.bound.id).catch((err: unknown) => ctx.log.warn({ err: errorFacts(err) }, 'gateway: presence update failed')))
    if (this.rejectionCount > AUDIT_REJECTIONS)
      ctx.services.audit.record('ws.closed', { userId: this.bound?.id, ip: this.transport.remote, meta: { code, transport: this.transport.kind, rejected: this.rejectionCount, ...Object.fromEntries(this.rejections) } })
  }
}
