/**
 * One layer-1 session per connection, for either end (docs/PROTOCOL.md §2.3–§2.7): state in,
 * bytes out. No sockets, no storage, no timers; the clock and the crypto provider come in.
 *
 * `pack` turns a body into an encrypted frame with the next msg_id, seq_no and current salt.
 * `unpack` turns a frame into a body or a rejection value — never an exception — running the
 * checks of §2.4 in order: pre-authentication (all alike to the peer: no notification), then
 * session_id, msg_id, seq_no, salt and schema, each with its code and the body to send back.
 *
 * What the published analyses of MTProto 2.0 taught (Albrecht et al. 2022), and where it lives:
 * frames are accepted strictly in msg_id order (`ReplayWindow`); a frame is never re-encrypted
 * under an old msg_id (`resend` returns the exact bytes, a new `pack` gets a new msg_id);
 * authentication comes before parsing (`openFrame`).
 *
 * Counting rule: a frame that passes the msg_id and seq_no checks takes its place in the
 * sequence even if its salt or body is then refused, so the sender's re-send under a new msg_id
 * and seq_no lines up. A frame refused by a msg_id or seq_no check takes no place.
 * @module
 */
import type { CoreCrypto } from '../crypto/provider.js'
import { keyIdOf, type Direction } from '../crypto/mtproto2.js'
import { wipe } from '../crypto/ct.js'
import { BAD_MSG_CODES, CLOSE_CODES, MtChatError, type ErrorCode } from '../errors.js'
import { assertBytes, bytesEqual } from '../util/bytes.js'
import { DEFAULT_MAX_FRAME_SIZE, ENCRYPTED_HEADER_SIZE, PLAINTEXT_HEADER_SIZE, openFrame, paddingLength, sealFrame, writeHeader } from './frame.js'
import { MsgIdGenerator, checkMsgId, msgIdKindOf, type MsgIdKind } from './msg-id.js'
import { ReplayWindow } from './replay-window.js'
import { ClientSalts, RelaySaltSchedule } from './salts.js'
import { SeqNoCounter, SeqNoExpectation } from './seq-no.js'
import { encodeBody, parseBody } from './schemas/common.js'
import { decodeWith, kindOf, registryHas, type BodyFrom, type BodyRegistry, type ClientBody, type Kind, type RelayBody, type Sender } from './schemas/registry.js'
import type { RpcError } from './schemas/rpc.js'
import type { BadMsgNotification, BadServerSalt, MsgsAck, ServerSalts } from './schemas/service.js'

/** Which end of the connection a session is. */
export type Role = Sender
/** The bodies a session of role `R` sends. */
export type Outgoing<R extends Role> = R extends 'relay' ? RelayBody : ClientBody
/** The bodies a session of role `R` receives. */
export type Incoming<R extends Role> = BodyFrom<R extends 'relay' ? 'client' : 'relay'>

/** Options of {@link Session}. */
export interface SessionOptions<R extends Role = Role> {
  role: R
  /**
   * What the peer may send: `FROM_RELAY` for a client, `FROM_CLIENT` for the relay
   * (`schemas/registry.ts`). Given, not looked up, so a client build carries no request schemas.
   */
  bodies: BodyRegistry<R extends 'relay' ? 'client' : 'relay'>
  /** The frame crypto; with `sha1` (a full CryptoProvider) when `authKeyId` is not given. */
  provider: CoreCrypto & { sha1?(data: Uint8Array): Uint8Array }
  /** Local clock, unix ms. */
  now: () => number
  /** The handshake's 256-byte auth_key. The session takes ownership and wipes it on `close()`. */
  authKey: Uint8Array
  /** key_id(auth_key), when already known (the handshake's; saves a SHA-1). */
  authKeyId?: Uint8Array
  /** The first server salt (the handshake's). */
  salt: Uint8Array
  /** 8 bytes. Client: its id (random when omitted). Relay: omit to bind the client's first one. */
  sessionId?: Uint8Array
  /** Client: the relay's clock minus ours, from the handshake (ms). Default 0. */
  timeOffset?: number
  /** Largest frame accepted or produced. Default 1 MiB. */
  maxFrameSize?: number
  /** Up to this many random extra 16-byte padding blocks per frame (hides exact lengths). 0..62, default 3. */
  paddingBlocks?: number
  /** How many recently sent frames `resend` can return. Default 32 for a client, 0 for the relay. */
  retainSent?: number
  /** Pre-authentication failures after which `unpack` says close (4002). Default 10. */
  maxPreAuthFailures?: number
  /** Relay: salt rotation period (ms). Default 30 min. */
  saltPeriodMs?: number
}

/** A packed frame and the msg_id and seq_no it was given. */
export interface Packed {
  frame: Uint8Array
  msgId: bigint
  seqNo: number
}

/** Options of {@link Session.pack}. */
export interface PackOptions {
  /** Relay: answer (low bits 1) or push (3); by default from the body type (§2.5). */
  msgIdKind?: Extract<MsgIdKind, 'answer' | 'push'>
}

/** A body to send back for a refused frame. */
export type Notification = BadMsgNotification | BadServerSalt | RpcError

/** An accepted frame. */
export interface Accepted<B> {
  ok: true
  msgId: bigint
  seqNo: number
  kind: Kind
  body: B
}

/**
 * A refused frame. `preAuth` failures carry no notification and look the same to the peer
 * whatever the code; `notify` is to be packed and sent back; `close` is a WebSocket close code.
 */
export interface Rejected {
  ok: false
  error: MtChatError
  preAuth: boolean
  notify?: Notification
  close?: number
  msgId?: bigint
  seqNo?: number
}

/** The result of {@link Session.unpack}. */
export type UnpackResult<B> = Accepted<B> | Rejected

const MAX_ACKS = 1024

/**
 * Plaintexts are built in one reused buffer (wiped after each frame): `sealFrame` only reads them.
 * A fresh array per frame is a malloc'ed backing store above 64 bytes, and those allocations and
 * their sweeping were a visible share of the relay's CPU. Frames above the cap get their own.
 */
const PT_SCRATCH_MAX = 64 * 1024
let ptScratch = new Uint8Array(0)

function plaintextBuffer(size: number): Uint8Array {
  if (size > PT_SCRATCH_MAX) return new Uint8Array(size)
  if (ptScratch.length < size) ptScratch = new Uint8Array(Math.min(PT_SCRATCH_MAX, Math.max(size, 2 * ptScratch.length, 4096)))
  return ptScratch.subarray(0, size)
}

/**
 * A layer-1 session. One per connection; the relay makes one per accepted handshake.
 * @example
 * ```ts
 * const s = new Session({ role: 'client', bodies: FROM_RELAY, provider, now: Date.now, ...keys })
 * socket.send(s.pack({ _: 'auth.signIn', token }).frame)
 * const r = s.unpack(incoming)
 * if (r.ok) handle(r.body)
 * else if (r.notify) socket.send(s.pack(r.notify).frame)
 * if (!r.ok && r.close) socket.close(r.close)
 * ```
 */
export class Session<R extends Role = Role> {
  /** Which end this session is. */
  readonly role: R
  readonly #p: CoreCrypto
  readonly #now: () => number
  readonly #offset: number
  readonly #authKey: Uint8Array
  readonly #authKeyId: Uint8Array
  readonly #x: Direction
  readonly #peerX: Direction
  readonly #bodies: BodyRegistry
  #sessionId: Uint8Array | undefined
  readonly #maxFrame: number
  readonly #padBlocks: number
  readonly #retain: number
  readonly #maxPreAuth: number
  readonly #ids = new MsgIdGenerator()
  readonly #seqOut = new SeqNoCounter()
  readonly #seqIn = new SeqNoExpectation()
  readonly #window = new ReplayWindow()
  readonly #clientSalts: ClientSalts | undefined
  readonly #relaySalts: RelaySaltSchedule | undefined
  readonly #sent = new Map<bigint, Uint8Array>()
  #acks: bigint[] = []
  #preAuthFailures = 0
  #closed = false
  #pool: Uint8Array = new Uint8Array(0)
  #poolOff = 0

  constructor(opts: SessionOptions<R>) {
    assertBytes(opts.authKey, 'authKey', 256)
    assertBytes(opts.salt, 'salt', 8)
    if (opts.sessionId !== undefined) assertBytes(opts.sessionId, 'sessionId', 8)
    const padBlocks = opts.paddingBlocks ?? 3
    if (!Number.isInteger(padBlocks) || padBlocks < 0 || padBlocks > 62)
      throw new RangeError(`"paddingBlocks" expected an integer 0..62, got ${padBlocks}`)
    const client = opts.role === 'client'
    this.role = opts.role
    this.#p = opts.provider
    this.#now = opts.now
    this.#offset = client ? (opts.timeOffset ?? 0) : 0
    this.#authKey = opts.authKey
    if (opts.authKeyId === undefined && !opts.provider.sha1) throw new TypeError('"authKeyId" expected when the provider has no sha1')
    this.#authKeyId = opts.authKeyId?.slice() ?? keyIdOf(opts.provider.sha1!(opts.authKey))
    this.#x = client ? 0 : 8
    this.#peerX = client ? 8 : 0
    if (opts.bodies?.from !== (client ? 'relay' : 'client'))
      throw new TypeError(`"bodies" expected the registry of what the ${client ? 'relay' : 'client'} sends (FROM_${client ? 'RELAY' : 'CLIENT'})`)
    this.#bodies = opts.bodies
    this.#sessionId = opts.sessionId?.slice() ?? (client ? opts.provider.randomBytes(8) : undefined)
    this.#maxFrame = opts.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE
    this.#padBlocks = padBlocks
    this.#retain = opts.retainSent ?? (client ? 32 : 0)
    this.#maxPreAuth = opts.maxPreAuthFailures ?? 10
    if (client) this.#clientSalts = new ClientSalts(opts.salt)
    else
      this.#relaySalts = new RelaySaltSchedule({
        first: opts.salt,
        now: opts.now(),
        random: (n) => opts.provider.randomBytes(n),
        periodMs: opts.saltPeriodMs,
      })
  }

  /** This connection's auth_key_id (8 bytes, a copy). */
  get authKeyId(): Uint8Array {
    return this.#authKeyId.slice()
  }

  /** The session_id (a copy), or `undefined` on a relay session no client frame has bound yet. */
  get sessionId(): Uint8Array | undefined {
    return this.#sessionId?.slice()
  }

  /** Pre-authentication failures so far (for metrics). */
  get preAuthFailures(): number {
    return this.#preAuthFailures
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** The relay's idea of now: the local clock plus the handshake's offset. */
  #serverNow(): number {
    return this.#now() + this.#offset
  }

  /** `n` padding bytes from a pooled random buffer (one RNG call per ~4 KiB, not per frame). */
  #random(n: number): Uint8Array {
    if (this.#poolOff + n > this.#pool.length) {
      this.#pool = this.#p.randomBytes(Math.max(4096, n))
      this.#poolOff = 0
    }
    return this.#pool.subarray(this.#poolOff, (this.#poolOff += n))
  }

  /** One random byte from the pool (for the padding length). */
  #randomByte(): number {
    return this.#random(1)[0]
  }

  /**
   * Encrypts `body` into a frame with the next msg_id and seq_no. A re-send of the same request
   * is a new `pack` (new msg_id); a repeat of the same frame is {@link resend}. Send frames in the
   * order they were packed, and send every one: the peer accepts msg_ids only in increasing order
   * and expects every seq_no position to be filled.
   * @param kind Content (odd seq_no) or service (even); by default from the body type.
   * @throws MtChatError INVALID_STATE when closed (or, on the relay, before the first client frame);
   *   PAYLOAD_TOO_LARGE when the frame would exceed the maximum frame size.
   */
  pack(body: Outgoing<R>, kind: Kind = kindOf(body._), opts: PackOptions = {}): Packed {
    const sessionId = this.#sessionId
    if (this.#closed) throw new MtChatError('INVALID_STATE', 'session is closed', { op: 'session.pack' })
    if (!sessionId) throw new MtChatError('INVALID_STATE', 'the relay sends nothing before the first client frame binds the session', { op: 'session.pack' })
    const data = encodeBody(body)
    const padLen = paddingLength(data.length, this.#padBlocks === 0 ? 0 : this.#randomByte() % (this.#padBlocks + 1))
    const size = PLAINTEXT_HEADER_SIZE + data.length + padLen
    if (ENCRYPTED_HEADER_SIZE + size > this.#maxFrame)
      throw new MtChatError('PAYLOAD_TOO_LARGE', `frame of ${ENCRYPTED_HEADER_SIZE + size} bytes exceeds ${this.#maxFrame}`, { op: 'session.pack' })
    const now = this.#serverNow()
    const msgId = this.#ids.next(now, this.role === 'client' ? 'client' : (opts.msgIdKind ?? msgIdKindOf('relay', body._)))
    const seqNo = this.#seqOut.next(kind)
    const salt = this.#clientSalts ? this.#clientSalts.current(now) : this.#relaySalts!.current(now)
    const pt = plaintextBuffer(size)
    writeHeader(pt, { salt, sessionId, msgId, seqNo }, data.length)
    pt.set(data, PLAINTEXT_HEADER_SIZE)
    pt.set(this.#random(padLen), PLAINTEXT_HEADER_SIZE + data.length)
    let frame: Uint8Array
    try {
      frame = sealFrame(this.#p, this.#authKey, this.#authKeyId, this.#x, pt)
    } finally {
      pt.fill(0)
    }
    if (this.#retain > 0) {
      this.#sent.set(msgId, frame)
      if (this.#sent.size > this.#retain) this.#sent.delete(this.#sent.keys().next().value as bigint)
    }
    return { frame, msgId, seqNo }
  }

  /**
   * The exact bytes of a recently packed frame, for a transport that must repeat it (e.g. a
   * long-poll request that failed). Never a re-encryption: same msg_id, same padding, same bytes.
   * `undefined` once answered, acked or pushed out of the `retainSent` window.
   */
  resend(msgId: bigint): Uint8Array | undefined {
    return this.#sent.get(msgId)
  }

  /**
   * Client: a `msgs_ack` for the relay's content frames accepted since the last call (up to 1024
   * ids), or `undefined` when there is nothing to ack. Send it within 200 ms (§2.7).
   */
  takeAck(): MsgsAck | undefined {
    if (this.#acks.length === 0) return undefined
    const msg_ids = this.#acks.splice(0, MAX_ACKS)
    return { _: 'msgs_ack', msg_ids }
  }

  /**
   * Relay: the `server_salts` push to send when the salt schedule changed (first after the session
   * is bound, then at every rotation), else `undefined`. Call after each frame and on a timer.
   */
  takeSaltAnnouncement(): ServerSalts | undefined {
    if (!this.#relaySalts || !this.#sessionId || this.#closed) return undefined
    return this.#relaySalts.takeAnnouncement(this.#now())
  }

  #preAuth(code: ErrorCode): Rejected {
    const close = ++this.#preAuthFailures >= this.#maxPreAuth ? CLOSE_CODES.PROTOCOL_ERROR : undefined
    return { ok: false, error: new MtChatError(code, undefined, { op: 'session.unpack' }), preAuth: true, close }
  }

  #badMsg(code: keyof typeof BAD_MSG_CODES, msgId: bigint, seqNo: number, details: Record<string, unknown> = {}): Rejected {
    const error_code = BAD_MSG_CODES[code] as BadMsgNotification['error_code']
    const error = new MtChatError(code, undefined, { op: 'session.unpack', details: { badMsgCode: error_code, msgId, seqNo, ...details } })
    return { ok: false, error, preAuth: false, msgId, seqNo, notify: { _: 'bad_msg_notification', bad_msg_id: msgId, bad_msg_seqno: seqNo, error_code } }
  }

  /** Decrypts and checks a frame from the peer (§2.4). Never throws for a bad frame. */
  unpack(frame: Uint8Array): UnpackResult<Incoming<R>> {
    if (this.#closed) return { ok: false, error: new MtChatError('INVALID_STATE', 'session is closed', { op: 'session.unpack' }), preAuth: true }
    const f = openFrame(this.#p, this.#authKey, this.#authKeyId, this.#peerX, frame, this.#maxFrame)
    if (!f.ok) return this.#preAuth(f.code)
    const { msgId, seqNo } = f

    if (!this.#sessionId) this.#sessionId = f.sessionId.slice()
    else if (!bytesEqual(f.sessionId, this.#sessionId)) {
      const error = new MtChatError('FRAME_BAD_SESSION', undefined, { op: 'session.unpack', details: { msgId } })
      return { ok: false, error, preAuth: false, close: CLOSE_CODES.PROTOCOL_ERROR, msgId, seqNo }
    }

    const now = this.#serverNow()
    const idCode = checkMsgId(msgId, now, this.#bodies.from)
    if (idCode) return this.#badMsg(idCode, msgId, seqNo)
    const replay = this.#window.check(msgId)
    if (replay) return this.#badMsg('MSG_ID_TOO_LOW', msgId, seqNo, { reason: replay })

    // The kind decides the seq_no parity, so the body's `_` is read now and validated later.
    let raw: { _: string } | undefined
    let parseError: unknown
    try {
      raw = parseBody(f.body, 'session.unpack')
    } catch (err) {
      parseError = err
    }
    const kind: Kind = raw && registryHas(this.#bodies, raw._) ? kindOf(raw._) : seqNo & 1 ? 'content' : 'service'
    const seqCode = this.#seqIn.check(seqNo, kind)
    if (seqCode) return this.#badMsg(seqCode, msgId, seqNo, { expected: this.#seqIn.expected(kind) })

    this.#window.accept(msgId)
    this.#seqIn.accept(kind)

    if (this.#relaySalts && !this.#relaySalts.isValid(f.salt, now)) {
      const salt = this.#relaySalts.current(now)
      const error = new MtChatError('BAD_SERVER_SALT', undefined, { op: 'session.unpack', details: { badMsgCode: 48, newSalt: salt, msgId } })
      const notify: BadServerSalt = { _: 'bad_server_salt', bad_msg_id: msgId, bad_msg_seqno: seqNo, error_code: 48, new_server_salt: salt }
      return { ok: false, error, preAuth: false, notify, msgId, seqNo }
    }

    let body: Incoming<R>
    try {
      if (!raw) throw parseError
      body = decodeWith(this.#bodies, raw) as Incoming<R>
    } catch (err) {
      const error = MtChatError.is(err) ? err : new MtChatError('SCHEMA_INVALID', undefined, { op: 'session.unpack', cause: err })
      const notify: RpcError | undefined =
        this.role === 'relay' ? { _: 'rpc_error', req_msg_id: msgId, error: { code: error.code, message: error.message.slice(0, 1024) } } : undefined
      return { ok: false, error, preAuth: false, notify, msgId, seqNo }
    }
    this.#afterAccept(body, msgId, kind)
    return { ok: true, msgId, seqNo, kind, body }
  }

  /** The session's own reactions to an accepted body: salts, retained frames, acks. */
  #afterAccept(body: Incoming<R>, msgId: bigint, kind: Kind): void {
    const b = body as ClientBody | RelayBody
    switch (b._) {
      case 'bad_server_salt':
        this.#clientSalts?.adopt(b.new_server_salt)
        break
      case 'server_salts':
        this.#clientSalts?.update(b.salts)
        break
      case 'rpc_result':
      case 'rpc_error':
        this.#sent.delete(b.req_msg_id)
        break
      case 'msgs_ack':
        for (const id of b.msg_ids) this.#sent.delete(id)
        break
    }
    if (this.role === 'client' && kind === 'content') this.#acks.push(msgId)
  }

  /** Ends the session: wipes the auth_key and forgets retained frames. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    wipe(this.#authKey)
    this.#sent.clear()
    this.#acks = []
  }
}
