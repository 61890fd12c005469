/**
 * The X3DH-style agreement that starts a secret chat (docs/PROTOCOL.md §4.1), for both roles.
 *
 * ```
 * DH1 = DH(IKdh_A, SPK_B)  DH2 = DH(EK_A, IKdh_B)  DH3 = DH(EK_A, SPK_B)  [DH4 = DH(EK_A, OPK_B)]
 * chat_key = HKDF(ikm = 0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], salt = 0x00×32,
 *                 info = "mt-chat/chat-key/v1" ‖ chat_id ‖ IK_A ‖ IK_B, L = 256)
 * ```
 * The chat id and both Ed25519 identity keys are in `info`, so a key derived for one chat or one
 * pair of identities never equals another's (the unknown key-share lesson of Miculan &
 * Vitacolonna). Every DH output and the concatenated ikm are zeroized before returning; the input
 * secrets belong to the caller.
 * @module
 */
import { wipe } from '../../crypto/ct.js'
import { keyId } from '../../crypto/mtproto2.js'
import type { CryptoProvider } from '../../crypto/provider.js'
import { assertBytes, concatBytes, fromHex, utf8 } from '../../util/bytes.js'

const CHAT_KEY_LABEL = utf8('mt-chat/chat-key/v1')
const F = new Uint8Array(32).fill(0xff)
const ZERO_SALT = new Uint8Array(32)

/** Length of a chat key in bytes (an MTProto auth_key). */
export const CHAT_KEY_LENGTH = 256

/** A chat key and its fingerprint (`key_id`, the low 64 bits of SHA1). */
export interface ChatKey {
  key: Uint8Array
  fingerprint: Uint8Array
}

/** What the initiator uses: its own identity keys, a fresh ephemeral, the peer's verified bundle. */
export interface InitiatorInput {
  /** 16 lowercase hex characters (8 random bytes). */
  chatId: string
  /** IK_A, our Ed25519 identity public key. */
  identityKey: Uint8Array
  /** Secret of IKdh_A. */
  identityDhSecret: Uint8Array
  /** Secret of EK_A. */
  ephemeralSecret: Uint8Array
  /** IK_B. */
  peerIdentityKey: Uint8Array
  /** IKdh_B. */
  peerIdentityDh: Uint8Array
  /** SPK_B. */
  peerSignedPrekey: Uint8Array
  /** OPK_B, when the bundle had one. */
  peerOneTimePrekey?: Uint8Array
}

/** What the responder uses: its own secrets named by the init, and the initiator's public keys. */
export interface ResponderInput {
  chatId: string
  /** IK_B, our Ed25519 identity public key. */
  identityKey: Uint8Array
  /** Secret of IKdh_B. */
  identityDhSecret: Uint8Array
  /** Secret of SPK_B. */
  signedPrekeySecret: Uint8Array
  /** Secret of OPK_B, when the init names one. */
  oneTimePrekeySecret?: Uint8Array
  /** IK_A. */
  peerIdentityKey: Uint8Array
  /** IKdh_A. */
  peerIdentityDh: Uint8Array
  /** EK_A. */
  peerEphemeral: Uint8Array
}

/** `info` of the chat-key HKDF: "mt-chat/chat-key/v1" ‖ chat_id (8) ‖ IK_A ‖ IK_B. */
export function chatKeyInfo(chatId: string, initiatorIdentity: Uint8Array, responderIdentity: Uint8Array): Uint8Array {
  assertBytes(initiatorIdentity, 'initiatorIdentity', 32)
  assertBytes(responderIdentity, 'responderIdentity', 32)
  return concatBytes(CHAT_KEY_LABEL, idBytes(chatId), initiatorIdentity, responderIdentity)
}

/** The 8 bytes of a 16-lowercase-hex id: a chat_id, or a re-key exchange_id (§4.6). */
export function idBytes(id: string, name = 'chatId'): Uint8Array {
  if (!/^[0-9a-f]{16}$/.test(id)) throw new RangeError(`"${name}" expected 16 lowercase hex characters, got "${id}"`)
  return fromHex(id)
}

/**
 * The initiator's chat key (§4.1).
 * @throws MtChatError CRYPTO_BAD_KEY when a peer key is low-order (all-zero DH).
 * @example
 * ```ts
 * const ek = p.x25519Keygen()
 * const { key, fingerprint } = deriveInitiator(p, { chatId, identityKey, identityDhSecret, ephemeralSecret: ek.secretKey,
 *   peerIdentityKey: b.identity_key, peerIdentityDh: b.identity_dh, peerSignedPrekey: b.signed_prekey.key })
 * ```
 */
export function deriveInitiator(p: CryptoProvider, i: InitiatorInput): ChatKey {
  const dhs: Uint8Array[] = []
  try {
    dhs.push(p.x25519(i.identityDhSecret, i.peerSignedPrekey))
    dhs.push(p.x25519(i.ephemeralSecret, i.peerIdentityDh))
    dhs.push(p.x25519(i.ephemeralSecret, i.peerSignedPrekey))
    if (i.peerOneTimePrekey) dhs.push(p.x25519(i.ephemeralSecret, i.peerOneTimePrekey))
    return finish(p, dhs, chatKeyInfo(i.chatId, i.identityKey, i.peerIdentityKey))
  } finally {
    wipe(...dhs)
  }
}

/**
 * The responder's chat key (§4.1): the same DH values from the other ends.
 * @throws MtChatError CRYPTO_BAD_KEY when an initiator key is low-order.
 */
export function deriveResponder(p: CryptoProvider, r: ResponderInput): ChatKey {
  const dhs: Uint8Array[] = []
  try {
    dhs.push(p.x25519(r.signedPrekeySecret, r.peerIdentityDh))
    dhs.push(p.x25519(r.identityDhSecret, r.peerEphemeral))
    dhs.push(p.x25519(r.signedPrekeySecret, r.peerEphemeral))
    if (r.oneTimePrekeySecret) dhs.push(p.x25519(r.oneTimePrekeySecret, r.peerEphemeral))
    return finish(p, dhs, chatKeyInfo(r.chatId, r.peerIdentityKey, r.identityKey))
  } finally {
    wipe(...dhs)
  }
}

function finish(p: CryptoProvider, dhs: Uint8Array[], info: Uint8Array): ChatKey {
  const ikm = concatBytes(F, ...dhs)
  try {
    const key = p.hkdfSha256(ikm, ZERO_SALT, info, CHAT_KEY_LENGTH)
    return { key, fingerprint: keyId(p, key) }
  } finally {
    wipe(ikm)
  }
}
