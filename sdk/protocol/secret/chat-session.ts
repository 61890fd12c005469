/**
 * One secret chat between two devices (docs/PROTOCOL.md §4), as an explicit state machine:
 * `initiating → active ⇄ rekeying`, and `aborted` / `closed` at the end. Every transition comes
 * back as `{ from, to, code, reason }`.
 *
 * Pure: no sockets, storage or timers. The CryptoProvider (and with it all randomness) and the
 * clock are injected; bytes come in, outcomes and bytes go out. The SDK sends every `send` outcome
 * with `messages.sendSecret`, applies the rest, persists {@link SecretChatSession.toJSON} after
 * each call, and calls {@link SecretChatSession.maintain} after a batch and on a timer.
 *
 * What it enforces: authenticate first (§4.2); Telegram's seq rules with abort on wrong parity,
 * duplicates dropped, gaps buffered and asked for (§4.4); a resend repeats the exact bytes sent the
 * first time, never a re-encryption at the same position (Albrecht et al. 2022); layer negotiation
 * (§4.5); re-keying bound to the chat and both identities, with the previous key kept until nothing
 * in flight needs it (§4.6).
 * @module
 */
import { type Direction } from '../../crypto/mtproto2.js'
import type { CryptoProvider } from '../../crypto/provider.js'
import { wipe } from '../../crypto/ct.js'
import { MtChatError } from '../../errors.js'
import { assertBytes, toHex } from '../../util/bytes.js'
import type { DecryptedMessage, SecretAction, SecretInit, SecretPayload } from '../schemas/secret.js'
import { sealEnvelope } from './envelope.js'
import { KeySet } from './keyset.js'
import type { OutgoingMessage, SecretChatState, SecretEnvelope, SecretOutcome, SecretTransitionCode, SendPurpose } from './outcomes.js'
import { checkOutgoingMessage, encodePayload } from './payload.js'
import { openChatEnvelope } from './receive.js'
import { REKEY_AFTER_MESSAGES, REKEY_AFTER_MS, RekeyMachine, type RekeyStep } from './rekey.js'
import { SentStore } from './sent-store.js'
import { type SecretChatJson, type SessionSnapshot, sessionFromJson, sessionToJson } from './session-state.js'
import { DEFAULT_MAX_BUFFERED, type SecretRole, SeqTracker } from './seq.js'
import { type AcceptOptions, type InitiateOptions, type SecretSessionOptions, startAsInitiator, startAsResponder } from './start.js'

/** Default bound on sent envelopes kept for resends. */
export const DEFAULT_MAX_STORED = 1000
const RANDOM_BYTES = 16

/**
 * The two identity keys of a chat, what its verification codes (§4.7, `sdk/crypto/fingerprint.ts`)
 * are computed from: {@link SecretChatSession.identityKeys}.
 */
export interface SecretIdentityKeys {
  /** Our Ed25519 identity key. */
  ownIdentityKey: Uint8Array
  /** The peer's Ed25519 identity key. */
  peerIdentityKey: Uint8Array
}

interface Buffered {
  randomId: string
  data: Uint8Array
  payload: SecretPayload
  generation: number
}

const dropped = (error: MtChatError): SecretOutcome => ({ type: 'dropped', error })

/**
 * A secret chat's protocol state. Create it with {@link SecretChatSession.initiate},
 * {@link SecretChatSession.accept} or {@link SecretChatSession.fromJSON}.
 *
 * @example
 * ```ts
 * const { session, outcomes } = SecretChatSession.initiate({ provider, identity, bundle })
 * for (const o of outcomes) if (o.type === 'send') await rpc('messages.sendSecret', toParams(o.envelope))
 * const env = session.encrypt({ _: 'text', text: 'Hello' })
 * for (const o of session.decrypt(incoming)) if (o.type === 'message') show(o.message)
 * await store.put(session.chatId, session.toJSON())
 * ```
 */
export class SecretChatSession {
  readonly #p: CryptoProvider
  readonly #now: () => number
  readonly #chatId: string
  readonly #role: SecretRole
  readonly #x: Direction
  readonly #peerX: Direction
  readonly #ownIdentity: Uint8Array
  readonly #peerIdentity: Uint8Array
  readonly #ownLayer: number
  readonly #seq: SeqTracker<Buffered>
  readonly #rekey: RekeyMachine
  readonly #sent: SentStore
  #keys: KeySet | undefined
  #state: SecretChatState
  #peerLayer: number | undefined
  #init: SecretInit | undefined
  #peerGeneration: number
  #ackPending: boolean
  #requested: { start: number; end: number; raw: number } | undefined

  private constructor(s: SessionSnapshot, opts: SecretSessionOptions) {
    this.#p = opts.provider
    this.#now = opts.now ?? Date.now
    this.#chatId = s.chatId
    this.#role = s.role
    this.#x = s.role === 'initiator' ? 0 : 8
    this.#peerX = s.role === 'initiator' ? 8 : 0
    this.#ownIdentity = s.ownIdentity
    this.#peerIdentity = s.peerIdentity
    this.#ownLayer = s.ownLayer
    this.#peerLayer = s.peerLayer
    this.#init = s.init
    this.#state = s.state
    this.#keys = s.keys ? new KeySet(s.keys) : undefined
    this.#peerGeneration = s.peerGeneration
    this.#ackPending = s.ackPending
    this.#requested = s.requested
    this.#seq = new SeqTracker<Buffered>(s.role, s.seq, opts.maxBuffered ?? DEFAULT_MAX_BUFFERED)
    const [initiatorIk, responderIk] = s.role === 'initiator' ? [s.ownIdentity, s.peerIdentity] : [s.peerIdentity, s.ownIdentity]
    this.#rekey = new RekeyMachine(
      this.#p,
      { chatId: s.chatId, initiatorIdentity: initiatorIk, responderIdentity: responderIk },
      s.role === 'initiator',
      s.rekey,
    )
    this.#sent = new SentStore(opts.maxStored ?? DEFAULT_MAX_STORED, s.sent)
    for (const b of s.buffer) {
      // Buffered messages are persisted as ciphertext; open them again with the keys we hold.
      const opened = this.#keys
        ? openChatEnvelope({ p: this.#p, keys: this.#keys, peerX: this.#peerX, ownLayer: this.#ownLayer, now: this.#now() }, b)
        : undefined
      if (opened?.kind !== 'seq')
        throw new MtChatError('SCHEMA_INVALID', 'a buffered envelope does not open under the chat’s keys', { op: 'secret.session.fromJSON' })
      // With a smaller maxBuffered than before, what no longer fits is simply asked for again.
      if (this.#seq.position(b.raw) === 'ahead') this.#seq.hold(b.raw, { ...b, payload: opened.payload, generation: opened.generation })
    }
  }

  /**
   * Starts a chat with an offline or online peer from its published bundle (§4.1): verifies the
   * bundle, derives the chat key (with the bundle's one-time prekey, if any) and sends
   * `notifyLayer` as the first message. Until the peer answers, every envelope carries `init`.
   *
   * @returns the session, its chat id, the SecretInit, and the outcomes to handle (the state
   *   transition and the first envelope to send).
   * @throws MtChatError SECRET_BAD_BUNDLE, SECRET_BAD_PREKEY_SIGNATURE
   */
  static initiate(opts: InitiateOptions): { session: SecretChatSession; chatId: string; init: SecretInit; outcomes: SecretOutcome[] } {
    const { snapshot, chatId, init } = startAsInitiator(opts)
    const layer = snapshot.ownLayer
    const session = new SecretChatSession(snapshot, opts)
    const outcomes: SecretOutcome[] = [
      { type: 'state', transition: { from: null, to: 'initiating', code: 'created', reason: 'started from the peer’s bundle' } },
    ]
    session.#sendAction({ _: 'notifyLayer', layer }, 'notifyLayer', outcomes)
    return { session, chatId, init, outcomes }
  }

  /**
   * Joins a chat from an incoming envelope that carries `init` (§4.1): checks the initiator's
   * identity_dh signature, derives the chat key with our identity and the named prekeys, and only
   * when the envelope authenticates consumes the one-time prekey (persist `identity` afterwards).
   * Sends our `notifyLayer`, then processes the envelope.
   *
   * @throws MtChatError SECRET_BAD_PREKEY_SIGNATURE, SECRET_UNKNOWN_PREKEY, SECRET_BAD_ENVELOPE,
   *   SECRET_BAD_FINGERPRINT, SECRET_BAD_MSG_KEY, CRYPTO_BAD_KEY; no state is created then.
   */
  static accept(opts: AcceptOptions): { session: SecretChatSession; outcomes: SecretOutcome[] } {
    const { snapshot, layer } = startAsResponder(opts)
    const session = new SecretChatSession(snapshot, opts)
    const outcomes: SecretOutcome[] = [
      { type: 'state', transition: { from: null, to: 'active', code: 'created', reason: 'joined from the peer’s init' } },
    ]
    session.#sendAction({ _: 'notifyLayer', layer }, 'notifyLayer', outcomes)
    outcomes.push(...session.decrypt(opts.envelope))
    return { session, outcomes }
  }

  /**
   * Restores a session saved with {@link SecretChatSession.toJSON}; it resumes exactly there.
   * @throws MtChatError SCHEMA_INVALID when the record is damaged.
   */
  static fromJSON(json: unknown, opts: SecretSessionOptions): SecretChatSession {
    return new SecretChatSession(sessionFromJson(json), opts)
  }

  /** The chat's state. */
  get state(): SecretChatState {
    return this.#state
  }

  /** The chat id (16 hex). */
  get chatId(): string {
    return this.#chatId
  }

  /** Whether we started the chat. */
  get role(): SecretRole {
    return this.#role
  }

  /** The payload layer both sides speak now: min(own, peer's), or 1 until the peer's is known. */
  get layer(): number {
    return this.#peerLayer === undefined ? 1 : Math.min(this.#ownLayer, this.#peerLayer)
  }

  /** The current chat key's fingerprint (a copy), or undefined once aborted/closed. */
  get keyFingerprint(): Uint8Array | undefined {
    return this.#keys?.current.fingerprint.slice()
  }

  /** The peer's Ed25519 identity key (a copy): compare it with what the relay lists for the peer. */
  get peerIdentityKey(): Uint8Array {
    return this.#peerIdentity.slice()
  }

  /**
   * Encrypts a text, file or user service action (read, delete, TTL, screenshot, flush). The
   * envelope is kept for resends until the peer acknowledges it. Call {@link
   * SecretChatSession.maintain} afterwards (it starts a due re-key).
   * @throws MtChatError INVALID_ARGUMENT (bad message), SECRET_ABORTED, INVALID_STATE (closed).
   */
  encrypt(message: OutgoingMessage): SecretEnvelope {
    this.#assertUsable('secret.encrypt')
    checkOutgoingMessage(message)
    return this.#sendSeq(message)
  }

  /** Encrypts a typing notice: not sequenced, not stored, dated for the ±60 s check (§4.3). */
  encryptEphemeral(kind: 'typing' = 'typing'): SecretEnvelope {
    this.#assertUsable('secret.encryptEphemeral')
    const keys = this.#keys!
    const data = sealEnvelope(
      this.#p,
      keys.current.key,
      keys.current.fingerprint,
      this.#x,
      encodePayload({ layer: this.layer, random_bytes: this.#p.randomBytes(RANDOM_BYTES), date: this.#now(), ephemeral: { _: kind } }),
    )
    return { randomId: toHex(this.#p.randomBytes(8)), data, ...(this.#init ? { init: this.#init } : {}) }
  }

  /**
   * Processes one envelope of this chat (its `init`, if any, is ignored). Returns, in order, the
   * messages and actions now deliverable, envelopes to send, and every drop, buffer and state
   * change with its code. Never throws for bad input.
   */
  decrypt(envelope: SecretEnvelope): SecretOutcome[] {
    assertBytes(envelope.data, 'envelope.data')
    const out: SecretOutcome[] = []
    if (!this.#usable(out)) return out
    const opened = openChatEnvelope(
      { p: this.#p, keys: this.#keys!, peerX: this.#peerX, ownLayer: this.#ownLayer, now: this.#now() },
      envelope,
    )
    if (opened.kind === 'abort') {
      this.#abort(opened.error, out)
      return out
    }
    if (opened.kind === 'dropped') {
      out.push(dropped(opened.error))
      return out
    }
    if (opened.kind === 'typing') {
      out.push({ type: 'typing', date: opened.date })
      return out
    }
    const { payload, generation } = opened
    let raw: number
    try {
      raw = this.#seq.receive(payload.out_seq_no, payload.in_seq_no).rawOut
    } catch (err) {
      this.#abort(err as MtChatError, out)
      return out
    }
    this.#pruneSent()
    // A resend request is answered whenever it arrives, even ahead of a gap or as a repeat: the
    // answer is idempotent (exact bytes), and waiting for order could deadlock two sides that
    // both have gaps. In sequence order it is then only counted.
    const msg = payload.message
    if (msg._ === 'service' && msg.action._ === 'resend') {
      this.#answerResend(msg.action.start, msg.action.end, out)
      if (this.#state === 'aborted') return out
    }
    const item: Buffered = { randomId: envelope.randomId, data: envelope.data, payload, generation }
    switch (this.#seq.position(raw)) {
      case 'duplicate':
        out.push(dropped(new MtChatError('SECRET_DUPLICATE', undefined, { op: 'secret.decrypt', details: { seq: raw } })))
        break
      case 'overflow':
        out.push(dropped(this.#gapError(raw, 'too far ahead to buffer; it will be asked for again')))
        this.#requestMissing(out, false)
        break
      case 'ahead':
        this.#seq.hold(raw, item)
        out.push({ type: 'buffered', seq: raw, error: this.#gapError(raw, 'buffered until the gap before it is filled') })
        this.#requestMissing(out, false)
        break
      case 'next':
        this.#process(raw, item, out)
        for (let next = this.#seq.takeNext(); next && this.#state !== 'aborted'; next = this.#seq.takeNext())
          this.#process(this.#seq.in, next, out)
        if (this.#state !== 'aborted' && this.#requested && !this.#seq.missing()) this.#requested = undefined
        break
    }
    this.#housekeeping(out)
    return out
  }

  /**
   * Periodic duties, for after a batch of updates and on a timer: asks again for a missing range
   * (repeating the same request's exact bytes while the peer has not acknowledged it),
   * acknowledges received messages with a `noop` when we have sent nothing since (so the peer can
   * drop its resend copies and retire old keys), and starts a re-key that is due (100 messages or
   * 7 days, §4.6).
   */
  maintain(): SecretOutcome[] {
    const out: SecretOutcome[] = []
    if (this.#state === 'aborted' || this.#state === 'closed') return out
    this.#requestMissing(out, true)
    if (this.#ackPending) this.#sendAction({ _: 'noop' }, 'ack', out)
    this.#housekeeping(out)
    return out
  }

  /**
   * Starts a re-key now (§4.6, "on demand").
   * @throws MtChatError INVALID_STATE unless the chat is active with no exchange running;
   *   SECRET_ABORTED once aborted.
   */
  rekey(): SecretOutcome[] {
    this.#assertUsable('secret.rekey')
    if (this.#state !== 'active')
      throw new MtChatError('INVALID_STATE', `cannot re-key while ${this.#state}`, { op: 'secret.rekey', details: { state: this.#state } })
    const out: SecretOutcome[] = []
    this.#startRekey('on demand', out)
    return out
  }

  /**
   * Our sent envelopes the peer has not acknowledged yet, oldest first, as the exact bytes sent
   * the first time: re-send them after a reconnect if the relay may not have stored them.
   */
  pendingEnvelopes(): SecretEnvelope[] {
    return this.#sent.pending()
  }

  /**
   * The identity keys the codes to compare out of band are computed from (§4.7: safety number and
   * emoji, `verificationCode` in `sdk/crypto/fingerprint.ts`). Copies.
   */
  identityKeys(): SecretIdentityKeys {
    return { ownIdentityKey: this.#ownIdentity.slice(), peerIdentityKey: this.#peerIdentity.slice() }
  }

  /** The whole chat state, JSON-safe, for the SDK's storage. Holds keys: never send it anywhere. */
  toJSON(): SecretChatJson {
    return sessionToJson({
      chatId: this.#chatId,
      role: this.#role,
      state: this.#state,
      ownIdentity: this.#ownIdentity,
      peerIdentity: this.#peerIdentity,
      ownLayer: this.#ownLayer,
      peerLayer: this.#peerLayer,
      init: this.#init,
      keys: this.#keys?.state,
      peerGeneration: this.#peerGeneration,
      seq: this.#seq.counters,
      rekey: this.#rekey.state,
      sent: this.#sent.entries(),
      buffer: this.#seq.buffered().map(([raw, b]) => ({ raw, randomId: b.randomId, data: b.data })),
      ackPending: this.#ackPending,
      requested: this.#requested,
    })
  }

  /** Zeroizes every key and ends the chat locally. */
  close(): SecretOutcome[] {
    if (this.#state === 'closed') return []
    const out: SecretOutcome[] = []
    this.#wipe()
    this.#transition('closed', 'closed', 'closed locally', out)
    return out
  }

  // --- sending -------------------------------------------------------------------------------

  #sendSeq(message: DecryptedMessage): SecretEnvelope {
    const keys = this.#keys!
    const random = this.#p.randomBytes(8 + RANDOM_BYTES)
    const randomId = toHex(random.subarray(0, 8))
    const { out_seq_no, in_seq_no, raw } = this.#seq.next()
    const payload: SecretPayload = {
      layer: this.layer,
      random_id: randomId,
      random_bytes: random.subarray(8),
      in_seq_no,
      out_seq_no,
      message,
    }
    const data = sealEnvelope(this.#p, keys.current.key, keys.current.fingerprint, this.#x, encodePayload(payload))
    const envelope: SecretEnvelope = { randomId, data, ...(this.#init ? { init: this.#init } : {}) }
    keys.current.used++
    this.#ackPending = false
    return this.#sent.put(raw, envelope)
  }

  #sendAction(action: SecretAction, purpose: SendPurpose, out: SecretOutcome[]): void {
    out.push({ type: 'send', purpose, envelope: this.#sendSeq({ _: 'service', action }) })
  }

  // --- receiving -----------------------------------------------------------------------------

  #process(raw: number, item: Buffered, out: SecretOutcome[]): void {
    const keys = this.#keys!
    const { payload, generation } = item
    // In sequence order the peer's keys only move forward, and never to one it has not committed.
    if (generation > keys.current.generation || generation < this.#peerGeneration) {
      this.#abort(
        new MtChatError('SECRET_REKEY_FAILED', 'the peer used a key out of order', { op: 'secret.decrypt', details: { seq: raw, generation } }),
        out,
      )
      return
    }
    this.#peerGeneration = generation
    const prev = keys.previous
    if (prev && !prev.peerSwitched && generation === keys.current.generation) {
      prev.peerSwitched = true
      // The peer's first message under the new key is acknowledged even if it is a noop: our
      // answer under the new key is what lets the peer retire the old one.
      this.#ackPending = true
    }
    this.#seq.accept()
    keys.current.used++
    if (this.#state === 'initiating') {
      this.#init = undefined
      this.#transition('active', 'peer_joined', 'the peer answered', out)
    }
    const m = payload.message
    if (m._ !== 'service') {
      this.#ackPending = true
      out.push({ type: 'message', randomId: item.randomId, seq: raw, message: m })
      return
    }
    const a = m.action
    if (a._ !== 'noop') this.#ackPending = true
    switch (a._) {
      case 'noop':
        return
      case 'notifyLayer':
        this.#peerLayer = a.layer
        out.push({ type: 'layer', layer: this.layer })
        return
      case 'resend': // answered on arrival
        return
      case 'requestKey':
        this.#applyRekey(this.#rekey.onRequest(a, keys.current.key), out)
        return
      case 'acceptKey':
        this.#applyRekey(this.#rekey.onAccept(a, keys.current.key), out)
        return
      case 'commitKey':
        this.#applyRekey(this.#rekey.onCommit(a), out)
        return
      case 'abortKey':
        this.#applyRekey(this.#rekey.onAbort(a), out)
        return
      default:
        out.push({ type: 'action', randomId: item.randomId, seq: raw, action: a })
    }
  }

  #answerResend(start: number, end: number, out: SecretOutcome[]): void {
    let range
    try {
      range = this.#seq.resendRange(start, end)
    } catch (err) {
      this.#abort(err as MtChatError, out)
      return
    }
    // Below peerAcked the request is stale (the peer has those by now), so the loop is bounded by
    // what we still keep. An unacknowledged copy evicted by the store bound leaves the peer a gap
    // it can never fill: say so instead of stalling.
    const kept = this.#sent.range(Math.max(range.from, this.#seq.peerAcked), range.to)
    if ('missing' in kept) {
      this.#abort(new MtChatError('SECRET_RESEND_UNAVAILABLE', undefined, { op: 'secret.resend', details: { seq: kept.missing } }), out)
      return
    }
    // §4.4: the exact bytes of the first time, never a new encryption at the same position.
    for (const envelope of kept.envelopes) out.push({ type: 'send', purpose: 'resend', envelope })
  }

  /**
   * Asks for the missing range. A range already asked for is not asked again on every arrival;
   * with `retransmit` (maintain) the same request goes out again as its exact bytes while the peer
   * has not acknowledged it, so repeating a request costs no seq position and no store space.
   */
  #requestMissing(out: SecretOutcome[], retransmit: boolean): void {
    const m = this.#seq.missing()
    if (!m) {
      this.#requested = undefined
      return
    }
    const prev = this.#requested
    if (prev && m.start >= prev.start && m.end <= prev.end) {
      if (!retransmit) return
      const env = this.#sent.get(prev.raw)
      if (env) {
        out.push({ type: 'send', purpose: 'resendRequest', envelope: env })
        return
      }
      // The peer has the request (it acknowledged it) but its answers were lost: ask anew.
    }
    const raw = this.#seq.out
    this.#sendAction({ _: 'resend', start: m.start, end: m.end }, 'resendRequest', out)
    this.#requested = { ...m, raw }
  }

  #gapError(raw: number, reason: string): MtChatError<'SECRET_GAP'> {
    const resend = this.#seq.missing()
    return new MtChatError('SECRET_GAP', `message ${raw} came before ${this.#seq.in}: ${reason}`, {
      op: 'secret.decrypt',
      details: { seq: raw, ...(resend ? { resend } : {}) },
    })
  }

  #pruneSent(): void {
    this.#sent.prune(this.#seq.peerAcked)
  }

  // --- re-keying -----------------------------------------------------------------------------

  #startRekey(reason: string, out: SecretOutcome[]): void {
    const step = this.#rekey.start()
    this.#sendAction(step.reply!, 'requestKey', out)
    this.#transition('rekeying', 'rekey_started', reason, out)
  }

  #applyRekey(step: RekeyStep, out: SecretOutcome[]): void {
    const keys = this.#keys!
    if (step.abandoned) this.#transition('rekeying', 'rekey_conflict_lost', 'the peer’s concurrent requestKey won', out)
    if (step.reply) this.#sendAction(step.reply, step.reply._ as SendPurpose, out)
    if (step.pending) keys.setPending(step.pending, this.#now())
    if (step.discardPending) keys.discardPending()
    if (step.abort) {
      this.#abort(step.failure!, out)
      return
    }
    if (step.switchTo) {
      keys.switchTo(step.switchTo, this.#now(), this.#seq.out)
      out.push({ type: 'rekeyed', fingerprint: keys.current.fingerprint.slice() })
    }
    const to: SecretChatState = this.#rekey.busy ? 'rekeying' : 'active'
    if (to !== this.#state) {
      const code: SecretTransitionCode = step.failure ? step.failure.code : step.switchTo ? 'rekey_done' : 'rekey_accepted'
      this.#transition(to, code, step.failure?.message ?? (step.switchTo ? 'switched to the new key' : 'accepted the peer’s requestKey'), out, step.failure)
    } else if (step.failure) out.push(dropped(step.failure))
  }

  #housekeeping(out: SecretOutcome[]): void {
    if (this.#state === 'aborted' || this.#state === 'closed') return
    const keys = this.#keys!
    const prev = keys.previous
    if (prev && keys.retirePreviousIf(this.#seq.peerAcked)) out.push({ type: 'keyRetired', fingerprint: prev.fingerprint.slice() })
    if (this.#state !== 'active' || this.#rekey.busy || keys.previous) return
    const cur = keys.current
    if (cur.used >= REKEY_AFTER_MESSAGES) this.#startRekey(`${cur.used} messages under the current key`, out)
    else if (this.#now() - cur.since >= REKEY_AFTER_MS) this.#startRekey('the current key is 7 days old', out)
  }

  // --- lifecycle -----------------------------------------------------------------------------

  #transition(to: SecretChatState, code: SecretTransitionCode, reason: string, out: SecretOutcome[], error?: MtChatError): void {
    const from = this.#state
    this.#state = to
    out.push({ type: 'state', transition: { from, to, code, reason }, ...(error ? { error } : {}) })
  }

  #abort(error: MtChatError, out: SecretOutcome[]): void {
    if (!MtChatError.is(error)) throw error
    this.#wipe()
    this.#transition('aborted', error.code, error.message, out, error)
  }

  #wipe(): void {
    this.#keys?.wipeAll()
    this.#keys = undefined
    this.#rekey.wipe()
    this.#sent.clear()
    // Buffered envelopes go with the keys that could open them.
    this.#seq.clearBuffer()
  }

  #usable(out: SecretOutcome[]): boolean {
    if (this.#state === 'aborted') out.push(dropped(new MtChatError('SECRET_ABORTED', undefined, { op: 'secret.decrypt' })))
    else if (this.#state === 'closed') out.push(dropped(new MtChatError('INVALID_STATE', 'the chat is closed', { op: 'secret.decrypt' })))
    else return true
    return false
  }

  #assertUsable(op: string): void {
    if (this.#state === 'aborted') throw new MtChatError('SECRET_ABORTED', undefined, { op })
    if (this.#state === 'closed') throw new MtChatError('INVALID_STATE', 'the chat is closed', { op })
  }
}
