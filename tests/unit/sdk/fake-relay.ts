/**
 * An in-process fake relay for deterministic SDK unit tests (centrifuge's fakeServer idea): real
 * layer-1 crypto (RelayHandshake + relay Session) over an in-memory transport, with RPC handlers
 * the test scripts. Integration tests use the real relay instead (tests/helpers/relay.ts).
 */
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { MtChatError } from '../../../sdk/errors.js'
import { RelayHandshake } from '../../../sdk/protocol/handshake.js'
import type { ClientBody } from '../../../sdk/protocol/schemas/registry.js'
import type { Update } from '../../../sdk/protocol/schemas/updates.js'
import { Session } from '../../../sdk/protocol/session.js'
import { FROM_CLIENT } from '../../../sdk/protocol/schemas/registry.js'
import type { Transport, TransportHandlers } from '../../../sdk/transport/types.js'

export type Handler = (params: Record<string, unknown>, conn: FakeConn) => unknown | Promise<unknown>

export interface FakeConn {
  id: number
  session?: Session<'relay'>
  received: ClientBody[]
  /** Frames to the client pass through here (tests may drop or delay them). */
  deliver(frame: Uint8Array): void
  push(updates: Update[], pts: number): void
  close(code?: number, reason?: string): void
  closed: boolean
}

export interface FakeRelayOptions {
  /** Relay's transport name (default "memory"). */
  name?: string
  /** Fails to open (like a proxy that blocks WebSocket). */
  refuseOpen?: boolean
  /** Give the relay session a salt other than the handshake's, so the first request gets bad_server_salt. */
  rotateSaltAtStart?: boolean
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0))

export class FakeRelay {
  readonly secretKey = nobleProvider.randomBytes(32)
  readonly publicKey = nobleProvider.ed25519PublicKey(this.secretKey)
  readonly handlers: Record<string, Handler> = {}
  readonly conns: FakeConn[] = []
  /** When false, the relay swallows client frames (a black hole, for keepalive tests). */
  answering = true
  /** Every body any connection received, in order. */
  get received(): ClientBody[] {
    return this.conns.flatMap((c) => c.received)
  }

  constructor(readonly opts: FakeRelayOptions = {}) {
    this.handlers['auth.signIn'] = (p) => ({
      user: { id: 1, username: 'alice' },
      device_id: (p.device_id as string | undefined) ?? 'dev1',
      pts: 0,
      date: Date.now(),
      prekeys: { count: 100, low: false },
    })
    this.handlers['updates.getState'] = () => ({ pts: 0, date: Date.now() })
  }

  get open(): FakeConn[] {
    return this.conns.filter((c) => !c.closed)
  }

  transport(): Transport {
    return {
      name: this.opts.name ?? 'memory',
      connect: (_url: string, h: TransportHandlers) => this.#accept(h),
    }
  }

  /** Pushes updates to every open, signed-in connection. */
  push(updates: Update[], pts: number): void {
    for (const c of this.open) if (c.session) c.push(updates, pts)
  }

  #accept(h: TransportHandlers) {
    let closed = false
    const conn: FakeConn = {
      id: this.conns.length + 1,
      received: [],
      closed: false,
      deliver: (frame) => {
        void tick().then(() => !closed && h.frame(frame))
      },
      push: (updates, pts) => conn.session && conn.deliver(conn.session.pack({ _: 'updates', updates, pts }).frame),
      close: (code = 1000, reason = '') => {
        if (closed) return
        closed = conn.closed = true
        conn.session?.close()
        void tick().then(() => h.close({ code, reason, opened: !this.opts.refuseOpen }))
      },
    }
    this.conns.push(conn)
    const hs = new RelayHandshake({ provider: nobleProvider, now: Date.now, secretKey: this.secretKey })
    if (this.opts.refuseOpen) conn.close(1006, 'refused')
    else void tick().then(() => !closed && h.open())
    return {
      send: (frame: Uint8Array) => {
        if (closed) return
        void tick().then(() => (closed ? undefined : this.#onFrame(conn, hs, frame)))
      },
      close: (code?: number, reason?: string) => {
        closed = conn.closed = true
        conn.session?.close()
        h.close({ code: code ?? 1000, reason: reason ?? '', opened: true })
      },
    }
  }

  async #onFrame(conn: FakeConn, hs: RelayHandshake, frame: Uint8Array): Promise<void> {
    if (!this.answering) return
    if (!conn.session) {
      const r = hs.answer(frame)
      if (!r.ok) return conn.close(r.close)
      const salt = this.opts.rotateSaltAtStart ? nobleProvider.randomBytes(8) : r.keys.salt
      conn.session = new Session({ role: 'relay', bodies: FROM_CLIENT, provider: nobleProvider, now: Date.now, ...r.keys, salt })
      conn.deliver(r.frame)
      return
    }
    const r = conn.session.unpack(frame)
    if (!r.ok) {
      if (r.notify) conn.deliver(conn.session.pack(r.notify).frame)
      if (r.close) conn.close(r.close)
      return
    }
    conn.received.push(r.body)
    const body = r.body as { _: string } & Record<string, unknown>
    if (body._ === 'ping') return conn.deliver(conn.session.pack({ _: 'pong', msg_id: r.msgId, ping_id: body.ping_id as bigint }).frame)
    if (body._ === 'msgs_ack' || body._ === 'bad_msg_notification') return
    const handler = this.handlers[body._]
    const { _: _method, ...params } = body
    try {
      if (!handler) throw new MtChatError('NOT_FOUND', `no handler for ${body._}`)
      const result = (await handler(params, conn)) as Record<string, unknown>
      if (conn.session && !conn.closed) conn.deliver(conn.session.pack({ _: 'rpc_result', req_msg_id: r.msgId, result }).frame)
    } catch (err) {
      const e = MtChatError.is(err) ? err : new MtChatError('INTERNAL', String(err))
      const error = { code: e.code, message: e.message, ...(e.details.retryAfter !== undefined ? { retry_after: e.details.retryAfter as number } : {}) }
      if (conn.session && !conn.closed) conn.deliver(conn.session.pack({ _: 'rpc_error', req_msg_id: r.msgId, error }).frame)
    }
  }
}
