/**
 * Secret-chat re-keying (docs/PROTOCOL.md §4.6): `requestKey → acceptKey → commitKey`, `abortKey`
 * on a fingerprint mismatch, and the conflict rule when both sides ask at once.
 * ```
 * new_key = HKDF(ikm = X25519(a, g_b), salt = SHA256(old_key),
 *                info = "mt-chat/rekey/v1" ‖ chat_id ‖ IK_initiator ‖ IK_responder ‖ exchange_id (8) ‖ g_a ‖ g_b,
 *                L = 256)
 * ```
 * The chat id and both identity keys (the chat's roles, not the exchange's) are bound into `info`,
 * which closes the unknown key-share on re-keying that Miculan & Vitacolonna found in MTProto 2.0.
 *
 * {@link RekeyMachine} holds only the exchange; the session owns the key set and applies the
 * {@link RekeyStep} each handler returns (send the reply under the current key, then switch).
 * @module
 */
import { ctEqual, wipe } from '../../crypto/ct.js'
import { keyId } from '../../crypto/mtproto2.js'
import type { CryptoProvider } from '../../crypto/provider.js'
import { MtChatError } from '../../errors.js'
import { concatBytes, toHex, utf8 } from '../../util/bytes.js'
import type { SecretAction } from '../schemas/secret.js'
import { CHAT_KEY_LENGTH, type ChatKey, idBytes } from './x3dh.js'

const REKEY_LABEL = utf8('mt-chat/rekey/v1')

/** Re-key after this many messages (sent + received) under one key (§4.6). */
export const REKEY_AFTER_MESSAGES = 100
/** Re-key after a key has been current this long (§4.6). */
export const REKEY_AFTER_MS = 7 * 24 * 3600 * 1000

/** What binds a re-keyed key to its chat (§4.6). */
export interface RekeyBinding {
  chatId: string
  /** IK of the chat's initiator. */
  initiatorIdentity: Uint8Array
  /** IK of the chat's responder. */
  responderIdentity: Uint8Array
}

/** Inputs of one re-key derivation. */
export interface RekeyInput extends RekeyBinding {
  /** Our fresh X25519 secret (a or b). */
  secret: Uint8Array
  /** The other side's public (g_b or g_a). */
  peerPublic: Uint8Array
  oldKey: Uint8Array
  exchangeId: string
  gA: Uint8Array
  gB: Uint8Array
}

/**
 * The new chat key of an exchange (§4.6). Both ends get the same key from their own secret.
 * @throws MtChatError CRYPTO_BAD_KEY when the peer's public is low-order.
 */
export function deriveRekey(p: CryptoProvider, i: RekeyInput): ChatKey {
  const shared = p.x25519(i.secret, i.peerPublic)
  const salt = p.sha256(i.oldKey)
  try {
    const info = concatBytes(
      REKEY_LABEL,
      idBytes(i.chatId),
      i.initiatorIdentity,
      i.responderIdentity,
      idBytes(i.exchangeId, 'exchangeId'),
      i.gA,
      i.gB,
    )
    const key = p.hkdfSha256(shared, salt, info, CHAT_KEY_LENGTH)
    return { key, fingerprint: keyId(p, key) }
  } finally {
    wipe(shared, salt)
  }
}

/** The exchange in progress, as persisted. */
export type RekeyState =
  | { phase: 'idle'; lastCommitted?: string }
  | { phase: 'requested'; exchangeId: string; secret: Uint8Array; gA: Uint8Array; lastCommitted?: string }
  | { phase: 'accepted'; exchangeId: string; fingerprint: Uint8Array; lastCommitted?: string }

/** What the session must do after a re-key message, in this order. */
export interface RekeyStep {
  /** An action to send under the current key. */
  reply?: SecretAction
  /** Our own exchange lost a conflict to the peer's (§4.6) and was dropped. */
  abandoned?: boolean
  /** A new key to hold as pending (we accepted the peer's exchange). */
  pending?: ChatKey
  /** Drop the pending key (exchange aborted). */
  discardPending?: boolean
  /** Switch to this key after sending `reply` (we committed), or to the pending key (peer committed). */
  switchTo?: ChatKey | 'pending'
  /** The exchange failed or a message was dropped (always SECRET_REKEY_FAILED). */
  failure?: MtChatError<'SECRET_REKEY_FAILED'>
  /** The two sides no longer share a key: the chat must be aborted. */
  abort?: boolean
}

function failed(reason: string, exchangeId: string): MtChatError<'SECRET_REKEY_FAILED'> {
  return new MtChatError('SECRET_REKEY_FAILED', `re-key: ${reason}`, { op: 'secret.rekey', details: { exchangeId, reason } })
}

/** The re-key exchange of one chat. */
export class RekeyMachine {
  readonly #p: CryptoProvider
  readonly #binding: RekeyBinding
  readonly #isChatInitiator: boolean
  #s: RekeyState

  constructor(p: CryptoProvider, binding: RekeyBinding, isChatInitiator: boolean, state: RekeyState = { phase: 'idle' }) {
    this.#p = p
    this.#binding = binding
    this.#isChatInitiator = isChatInitiator
    this.#s = state
  }

  /** The exchange state (secrets included: persist it with the chat, nowhere else). */
  get state(): RekeyState {
    return this.#s
  }

  /** Whether an exchange is in progress. */
  get busy(): boolean {
    return this.#s.phase !== 'idle'
  }

  /** Starts an exchange; the reply is the requestKey to send. Throws INVALID_STATE when one is running. */
  start(): RekeyStep {
    if (this.#s.phase !== 'idle') throw new MtChatError('INVALID_STATE', 'a re-key is already in progress', { op: 'secret.rekey' })
    const { secretKey, publicKey } = this.#p.x25519Keygen()
    const exchangeId = toHex(this.#p.randomBytes(8))
    this.#s = { phase: 'requested', exchangeId, secret: secretKey, gA: publicKey, lastCommitted: this.#s.lastCommitted }
    return { reply: { _: 'requestKey', exchange_id: exchangeId, g_a: publicKey } }
  }

  /** The peer's requestKey. `oldKey` is the current chat key. */
  onRequest(a: { exchange_id: string; g_a: Uint8Array }, oldKey: Uint8Array): RekeyStep {
    const s = this.#s
    let abandoned = false
    if (s.phase === 'accepted') return { failure: failed('an exchange is already in progress', a.exchange_id) }
    if (s.phase === 'requested') {
      // §4.6: both asked at once; the larger exchange_id (unsigned; equal-length hex compares the
      // same) wins. A tie, which needs a 64-bit collision, goes to the chat's initiator.
      const theirsWins = a.exchange_id > s.exchangeId || (a.exchange_id === s.exchangeId && !this.#isChatInitiator)
      if (!theirsWins) return { failure: failed('conflicting requestKey lost to ours', a.exchange_id) }
      wipe(s.secret)
      this.#s = { phase: 'idle', lastCommitted: s.lastCommitted }
      abandoned = true
    }
    const b = this.#p.x25519Keygen()
    let key: ChatKey
    try {
      key = deriveRekey(this.#p, {
        ...this.#binding,
        secret: b.secretKey,
        peerPublic: a.g_a,
        oldKey,
        exchangeId: a.exchange_id,
        gA: a.g_a,
        gB: b.publicKey,
      })
    } catch (cause) {
      if (!MtChatError.is(cause, 'CRYPTO_BAD_KEY')) throw cause
      return { abandoned, reply: { _: 'abortKey', exchange_id: a.exchange_id }, failure: failed('g_a is not a usable key', a.exchange_id) }
    } finally {
      wipe(b.secretKey)
    }
    this.#s = { phase: 'accepted', exchangeId: a.exchange_id, fingerprint: key.fingerprint, lastCommitted: this.#s.lastCommitted }
    return {
      abandoned,
      reply: { _: 'acceptKey', exchange_id: a.exchange_id, g_b: b.publicKey, key_fingerprint: key.fingerprint },
      pending: key,
    }
  }

  /** The peer's acceptKey of our request: verify the fingerprint, then commit and switch. */
  onAccept(a: { exchange_id: string; g_b: Uint8Array; key_fingerprint: Uint8Array }, oldKey: Uint8Array): RekeyStep {
    const s = this.#s
    if (s.phase !== 'requested' || s.exchangeId !== a.exchange_id)
      return { reply: { _: 'abortKey', exchange_id: a.exchange_id }, failure: failed('acceptKey for an unknown exchange', a.exchange_id) }
    this.#s = { phase: 'idle', lastCommitted: s.lastCommitted }
    let key: ChatKey
    try {
      key = deriveRekey(this.#p, {
        ...this.#binding,
        secret: s.secret,
        peerPublic: a.g_b,
        oldKey,
        exchangeId: s.exchangeId,
        gA: s.gA,
        gB: a.g_b,
      })
    } catch (cause) {
      if (!MtChatError.is(cause, 'CRYPTO_BAD_KEY')) throw cause
      return { reply: { _: 'abortKey', exchange_id: a.exchange_id }, failure: failed('g_b is not a usable key', a.exchange_id) }
    } finally {
      wipe(s.secret)
    }
    if (!ctEqual(key.fingerprint, a.key_fingerprint)) {
      wipe(key.key)
      return { reply: { _: 'abortKey', exchange_id: a.exchange_id }, failure: failed('key_fingerprint mismatch', a.exchange_id) }
    }
    this.#s = { phase: 'idle', lastCommitted: a.exchange_id }
    return { reply: { _: 'commitKey', exchange_id: a.exchange_id, key_fingerprint: key.fingerprint }, switchTo: key }
  }

  /** The peer's commitKey of the exchange we accepted: verify the fingerprint and switch. */
  onCommit(a: { exchange_id: string; key_fingerprint: Uint8Array }): RekeyStep {
    const s = this.#s
    if (s.phase !== 'accepted' || s.exchangeId !== a.exchange_id) {
      // The peer now sends under a key we do not hold: the chat cannot go on.
      return { reply: { _: 'abortKey', exchange_id: a.exchange_id }, failure: failed('commitKey for an unknown exchange', a.exchange_id), abort: true }
    }
    this.#s = { phase: 'idle', lastCommitted: s.lastCommitted }
    if (!ctEqual(s.fingerprint, a.key_fingerprint))
      return {
        reply: { _: 'abortKey', exchange_id: a.exchange_id },
        discardPending: true,
        failure: failed('key_fingerprint mismatch on commit', a.exchange_id),
        abort: true,
      }
    this.#s = { phase: 'idle', lastCommitted: a.exchange_id }
    return { switchTo: 'pending' }
  }

  /** The peer's abortKey. */
  onAbort(a: { exchange_id: string }): RekeyStep {
    const s = this.#s
    if (s.phase !== 'idle' && s.exchangeId === a.exchange_id) {
      const discardPending = s.phase === 'accepted'
      if (s.phase === 'requested') wipe(s.secret)
      this.#s = { phase: 'idle', lastCommitted: s.lastCommitted }
      return { discardPending, failure: failed('the peer aborted the exchange', a.exchange_id) }
    }
    // We already switched for this exchange and the peer did not: the sides have diverged.
    if (s.lastCommitted === a.exchange_id) return { failure: failed('the peer aborted an exchange we committed', a.exchange_id), abort: true }
    return { failure: failed('abortKey for an unknown exchange', a.exchange_id) }
  }

  /** Zeroizes the exchange secret. */
  wipe(): void {
    if (this.#s.phase === 'requested') wipe(this.#s.secret)
    this.#s = { phase: 'idle' }
  }
}
