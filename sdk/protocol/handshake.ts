/**
 * Handshake state machines for both ends of layer 1 (docs/PROTOCOL.md §2.2).
 *
 * Client: `idle → sent` ({@link ClientHandshake.start}) `→ done | failed` ({@link ClientHandshake.finish}),
 * asynchronous: its X25519, Ed25519, HKDF and SHA-1 run on {@link KeyCrypto} (WebCrypto in browsers).
 * Relay: `waiting → done | failed` ({@link RelayHandshake.answer}), synchronous on its provider.
 * A failure is a value with its code and the close code (4001), never a half-made key; the
 * ephemeral X25519 secrets are zeroized as soon as the shared secret exists, on success or failure.
 * @module
 */
import type { ClientCrypto, CryptoProvider, KeyCrypto, KeyPair } from '../crypto/provider.js'
import { wipe } from '../crypto/ct.js'
import { CLOSE_CODES, MtChatError, type ErrorCode } from '../errors.js'
import { assertBytes, bytesEqual } from '../util/bytes.js'
import { decodePlainFrame, encodePlainFrame } from './frame.js'
import {
  decodeHsInit,
  decodeHsOk,
  deriveAuthKey,
  deriveAuthKeyAsync,
  encodeHsInit,
  encodeHsOk,
  handshakeTranscript,
  PROTOCOL_LAYER,
  type HandshakeKeys,
} from './handshake-codec.js'
import { MsgIdGenerator } from './msg-id.js'

/** A handshake step's result: the step's data, or why it failed and the close code to use. */
export type HandshakeOutcome<T> = ({ ok: true } & T) | { ok: false; error: MtChatError; close: number }

const fail = (code: ErrorCode, message: string, cause?: unknown) =>
  new MtChatError(code, message, { op: 'handshake', cause })

function failure(err: unknown): { ok: false; error: MtChatError; close: number } {
  const error = MtChatError.is(err) ? err : fail('HANDSHAKE_BAD_FRAME', 'handshake: malformed frame', err)
  return { ok: false, error, close: CLOSE_CODES.HANDSHAKE_FAILED }
}

/** X25519 where a low-order peer key is a malformed handshake, not a crypto fault. */
function agree(p: CryptoProvider, secretKey: Uint8Array, peerPub: Uint8Array): Uint8Array {
  try {
    return p.x25519(secretKey, peerPub)
  } catch (cause) {
    throw fail('HANDSHAKE_BAD_FRAME', 'handshake: the peer ephemeral key is low-order', cause)
  }
}

/** {@link agree} on KeyCrypto. */
async function agreeAsync(keys: KeyCrypto, secretKey: Uint8Array, peerPub: Uint8Array): Promise<Uint8Array> {
  try {
    return await keys.x25519(secretKey, peerPub)
  } catch (cause) {
    throw fail('HANDSHAKE_BAD_FRAME', 'handshake: the peer ephemeral key is low-order', cause)
  }
}

/** Options of {@link ClientHandshake}. */
export interface ClientHandshakeOptions {
  /** Random bytes from the core, the rest from its `keys`. */
  provider: Pick<ClientCrypto, 'randomBytes' | 'keys'>
  /** Local clock, unix ms. */
  now: () => number
  /** The relay's pinned Ed25519 public key (32 bytes, config `serverKey`). */
  serverKey: Uint8Array
  /** Default {@link PROTOCOL_LAYER}. */
  layer?: number
  /** Refuse a relay clock further than this from ours (HANDSHAKE_CLOCK_SKEW). Default: no limit. */
  maxClockSkewMs?: number
}

/** States of {@link ClientHandshake}. */
export type ClientHandshakeState = 'idle' | 'sent' | 'done' | 'failed'

/**
 * The client's side: sends `hs_init`, checks `hs_ok` against the pinned key, derives the keys.
 * @example
 * ```ts
 * const hs = new ClientHandshake({ provider, now: Date.now, serverKey })
 * socket.send(await hs.start())
 * const r = await hs.finish(answerFrame)
 * if (!r.ok) socket.close(r.close) // r.error.code: HANDSHAKE_BAD_SIGNATURE, …
 * else session = new Session({ role: 'client', bodies: FROM_RELAY, provider, now: Date.now, ...r.keys })
 * ```
 */
export class ClientHandshake {
  readonly #p: Pick<ClientCrypto, 'randomBytes' | 'keys'>
  readonly #now: () => number
  readonly #serverKey: Uint8Array
  readonly #layer: number
  readonly #maxSkew: number
  #state: ClientHandshakeState = 'idle'
  #nonce: Uint8Array | undefined
  #eph: KeyPair | undefined

  constructor(opts: ClientHandshakeOptions) {
    assertBytes(opts.serverKey, 'serverKey', 32)
    this.#p = opts.provider
    this.#now = opts.now
    this.#serverKey = opts.serverKey.slice()
    this.#layer = opts.layer ?? PROTOCOL_LAYER
    this.#maxSkew = opts.maxClockSkewMs ?? Infinity
  }

  /** Where the handshake is. */
  get state(): ClientHandshakeState {
    return this.#state
  }

  /**
   * The unencrypted frame carrying `hs_init` (76 bytes).
   * @throws MtChatError INVALID_STATE when called twice.
   */
  async start(): Promise<Uint8Array> {
    if (this.#state !== 'idle') throw new MtChatError('INVALID_STATE', `handshake already ${this.#state}`, { op: 'handshake.start' })
    this.#state = 'sent'
    this.#nonce = this.#p.randomBytes(16)
    this.#eph = await this.#p.keys.x25519Keygen()
    const body = encodeHsInit({ nonce: this.#nonce, clientPub: this.#eph.publicKey, layer: this.#layer })
    return encodePlainFrame(new MsgIdGenerator().next(this.#now(), 'client'), body)
  }

  /**
   * Checks the relay's `hs_ok` frame: frame shape and tag (HANDSHAKE_BAD_FRAME), our nonce echoed
   * (HANDSHAKE_BAD_NONCE), the transcript signature under the pinned key (HANDSHAKE_BAD_SIGNATURE),
   * the clock (HANDSHAKE_CLOCK_SKEW); then derives auth_key, the first salt and the time offset.
   */
  async finish(frame: Uint8Array): Promise<HandshakeOutcome<{ keys: HandshakeKeys }>> {
    const nonce = this.#nonce
    const eph = this.#eph
    if (this.#state !== 'sent' || !nonce || !eph) return failure(fail('HANDSHAKE_BAD_FRAME', `handshake: unexpected hs_ok in state ${this.#state}`))
    this.#state = 'failed'
    try {
      const { msgId, body } = decodePlainFrame(frame)
      if ((msgId & 3n) !== 1n) throw fail('HANDSHAKE_BAD_FRAME', 'handshake: hs_ok msg_id must be ≡ 1 mod 4')
      const ok = decodeHsOk(body)
      if (!bytesEqual(ok.nonce, nonce)) throw fail('HANDSHAKE_BAD_NONCE', 'handshake: hs_ok does not echo our nonce')
      const transcript = handshakeTranscript(nonce, ok.serverNonce, eph.publicKey, ok.serverPub, ok.serverTime, this.#layer)
      if (!(await this.#p.keys.ed25519Verify(ok.signature, transcript, this.#serverKey)))
        throw fail('HANDSHAKE_BAD_SIGNATURE', 'handshake: the relay signature does not verify against the pinned server key')
      const timeOffset = ok.serverTime - this.#now()
      if (Math.abs(timeOffset) > this.#maxSkew)
        throw fail('HANDSHAKE_CLOCK_SKEW', `handshake: relay clock differs from ours by ${Math.round(timeOffset / 1000)} s`)
      const shared = await agreeAsync(this.#p.keys, eph.secretKey, ok.serverPub)
      const keys = await deriveAuthKeyAsync(this.#p.keys, shared, nonce, ok.serverNonce)
      this.#state = 'done'
      return { ok: true, keys: { ...keys, timeOffset, layer: this.#layer } }
    } catch (err) {
      return failure(err)
    } finally {
      wipe(eph.secretKey)
      this.#eph = undefined
    }
  }
}

/** Options of {@link RelayHandshake}. */
export interface RelayHandshakeOptions {
  provider: CryptoProvider
  /** Relay clock, unix ms. */
  now: () => number
  /** The relay's long-term Ed25519 secret key (32-byte seed). Not copied, not wiped. */
  secretKey?: Uint8Array
  /**
   * Instead of `secretKey`: signs the transcript with the relay's long-term key held elsewhere
   * (the relay keeps its key as a node:crypto KeyObject and never exposes the seed).
   */
  sign?: (message: Uint8Array) => Uint8Array
  /** Layers the relay speaks. Default `[PROTOCOL_LAYER]`. */
  layers?: readonly number[]
}

/** States of {@link RelayHandshake}. */
export type RelayHandshakeState = 'waiting' | 'done' | 'failed'

/**
 * The relay's side: answers one `hs_init` with a signed `hs_ok` and derives the keys.
 * @example
 * ```ts
 * const hs = new RelayHandshake({ provider, now: Date.now, secretKey: serverSecret })
 * const r = hs.answer(firstFrame)
 * if (!r.ok) return socket.close(r.close)
 * socket.send(r.frame)
 * session = new Session({ role: 'relay', bodies: FROM_CLIENT, provider, now: Date.now, ...r.keys })
 * ```
 */
export class RelayHandshake {
  readonly #p: CryptoProvider
  readonly #now: () => number
  readonly #sign: (message: Uint8Array) => Uint8Array
  readonly #layers: readonly number[]
  #state: RelayHandshakeState = 'waiting'

  constructor(opts: RelayHandshakeOptions) {
    this.#p = opts.provider
    this.#now = opts.now
    if (opts.sign) this.#sign = opts.sign
    else {
      // Without a signer the seed is required: a TypeError/RangeError names what is missing.
      const secretKey = opts.secretKey
      assertBytes(secretKey, 'secretKey', 32)
      this.#sign = (message) => this.#p.ed25519Sign(message, secretKey)
    }
    this.#layers = opts.layers ?? [PROTOCOL_LAYER]
  }

  /** Where the handshake is. */
  get state(): RelayHandshakeState {
    return this.#state
  }

  /**
   * Answers the client's `hs_init` frame with the `hs_ok` frame to send. A second `hs_init`, a
   * malformed frame, an unknown layer or a low-order key is HANDSHAKE_BAD_FRAME (close 4001).
   */
  answer(frame: Uint8Array): HandshakeOutcome<{ frame: Uint8Array; keys: HandshakeKeys }> {
    if (this.#state !== 'waiting') return failure(fail('HANDSHAKE_BAD_FRAME', `handshake: unexpected hs_init in state ${this.#state}`))
    this.#state = 'failed'
    let eph: KeyPair | undefined
    let shared: Uint8Array | undefined
    try {
      const { msgId, body } = decodePlainFrame(frame)
      if ((msgId & 3n) !== 0n) throw fail('HANDSHAKE_BAD_FRAME', 'handshake: hs_init msg_id must be ≡ 0 mod 4')
      const init = decodeHsInit(body)
      if (!this.#layers.includes(init.layer)) throw fail('HANDSHAKE_BAD_FRAME', `handshake: layer ${init.layer} is not supported`)
      eph = this.#p.x25519Keygen()
      shared = agree(this.#p, eph.secretKey, init.clientPub)
      const serverNonce = this.#p.randomBytes(16)
      const serverTime = this.#now()
      const transcript = handshakeTranscript(init.nonce, serverNonce, init.clientPub, eph.publicKey, serverTime, init.layer)
      const signature = this.#sign(transcript)
      if (!(signature instanceof Uint8Array) || signature.length !== 64)
        throw fail('INTERNAL', 'handshake: the relay signer must return a 64-byte Ed25519 signature')
      const hsOk = encodeHsOk({ nonce: init.nonce, serverNonce, serverPub: eph.publicKey, serverTime, signature })
      const keys = deriveAuthKey(this.#p, shared, init.nonce, serverNonce)
      this.#state = 'done'
      return {
        ok: true,
        frame: encodePlainFrame(new MsgIdGenerator().next(serverTime, 'answer'), hsOk),
        keys: { ...keys, timeOffset: 0, layer: init.layer },
      }
    } catch (err) {
      return failure(err)
    } finally {
      // deriveAuthKey wipes `shared` on success; a failure after agree() (the signer) must too.
      wipe(eph?.secretKey, shared)
    }
  }
}
