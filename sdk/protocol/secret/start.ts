/**
 * How a secret chat starts (docs/PROTOCOL.md §4.1): the initiator from a peer's published bundle,
 * the responder from the first envelope that carries `init`. Both produce the initial state of a
 * session; `SecretChatSession.initiate` / `accept` wrap them.
 * @module
 */
import { wipe } from '../../crypto/ct.js'
import { verifyWithContext } from '../../crypto/keys.js'
import type { CryptoProvider } from '../../crypto/provider.js'
import { MtChatError } from '../../errors.js'
import { bytesEqual, toHex } from '../../util/bytes.js'
import { SECRET_LAYER, type SecretInit } from '../schemas/secret.js'
import { checkEnvelopeShape, envelopeFingerprint, openEnvelope } from './envelope.js'
import { type DeviceKeys, verifyPeerBundle } from './identity.js'
import type { SecretEnvelope } from './outcomes.js'
import type { SessionSnapshot } from './session-state.js'
import type { SecretRole } from './seq.js'
import { type ChatKey, deriveInitiator, deriveResponder } from './x3dh.js'

/** What every session needs injected. */
export interface SecretSessionOptions {
  provider: CryptoProvider
  /** Unix ms; defaults to Date.now. Drives the 7-day re-key and the ephemeral date check. */
  now?: () => number
  /** The highest payload layer we speak (§4.5); defaults to {@link SECRET_LAYER}. */
  layer?: number
  /** Bound on messages held ahead of a gap (default 256). */
  maxBuffered?: number
  /** Bound on sent envelopes kept for resends (default 1000; the oldest go first). */
  maxStored?: number
}

/** Starting a chat with a peer's published bundle (§4.1). */
export interface InitiateOptions extends SecretSessionOptions {
  identity: DeviceKeys
  /** The JSON body of `GET /v1/keys/:userId`; verified here. */
  bundle: unknown
  /** 16 lowercase hex characters; random by default. */
  chatId?: string
}

/** Joining a chat from the first envelope that reached us with its `init` (§4.1). */
export interface AcceptOptions extends SecretSessionOptions {
  identity: DeviceKeys
  chatId: string
  envelope: SecretEnvelope
}

/**
 * The initiator's side of §4.1: verifies the bundle, derives the chat key (the bundle's one-time
 * prekey, if any, was consumed by the relay when it handed the bundle out) and builds the init.
 * @throws MtChatError SECRET_BAD_BUNDLE, SECRET_BAD_PREKEY_SIGNATURE
 */
export function startAsInitiator(opts: InitiateOptions): { snapshot: SessionSnapshot; chatId: string; init: SecretInit } {
  const p = opts.provider
  const bundle = verifyPeerBundle(p, opts.bundle)
  const chatId = opts.chatId ?? toHex(p.randomBytes(8))
  const layer = opts.layer ?? SECRET_LAYER
  const ek = p.x25519Keygen()
  const ikdh = opts.identity.identityDhSecret()
  let chatKey
  try {
    chatKey = deriveInitiator(p, {
      chatId,
      identityKey: opts.identity.identityKey,
      identityDhSecret: ikdh,
      ephemeralSecret: ek.secretKey,
      peerIdentityKey: bundle.identity_key,
      peerIdentityDh: bundle.identity_dh,
      peerSignedPrekey: bundle.signed_prekey.key,
      peerOneTimePrekey: bundle.one_time_prekey?.key,
    })
  } catch (cause) {
    if (MtChatError.is(cause, 'CRYPTO_BAD_KEY'))
      throw new MtChatError('SECRET_BAD_BUNDLE', 'peer bundle holds an unusable X25519 key', { op: 'secret.initiate', cause })
    throw cause
  } finally {
    wipe(ek.secretKey, ikdh)
  }
  const init: SecretInit = {
    identity_key: opts.identity.identityKey,
    identity_dh: opts.identity.identityDh,
    identity_dh_sig: opts.identity.identityDhSig,
    ephemeral_key: ek.publicKey,
    signed_prekey_id: bundle.signed_prekey.id,
    ...(bundle.one_time_prekey ? { one_time_prekey_id: bundle.one_time_prekey.id } : {}),
    layer,
  }
  const snapshot = fresh('initiator', chatId, opts.identity.identityKey, bundle.identity_key, layer, undefined, chatKey, opts)
  snapshot.init = init
  return { snapshot, chatId, init }
}

/**
 * The responder's side of §4.1: checks the init's identity_dh signature, derives the chat key with
 * our identity and the prekeys it names, and only when the envelope authenticates consumes the
 * one-time prekey (the caller persists `identity` afterwards).
 * @throws MtChatError SECRET_BAD_PREKEY_SIGNATURE, SECRET_UNKNOWN_PREKEY, SECRET_BAD_ENVELOPE,
 *   SECRET_BAD_FINGERPRINT, SECRET_BAD_MSG_KEY, SECRET_BAD_PAYLOAD, CRYPTO_BAD_KEY
 */
export function startAsResponder(opts: AcceptOptions): { snapshot: SessionSnapshot; layer: number } {
  const p = opts.provider
  const { envelope, identity, chatId } = opts
  const init = envelope.init
  if (!init) throw new MtChatError('INVALID_ARGUMENT', 'the envelope carries no init', { op: 'secret.accept' })
  const op = { op: 'secret.accept' }
  if (!verifyWithContext(p, 'identityDh', init.identity_dh_sig, init.identity_dh, init.identity_key))
    throw new MtChatError('SECRET_BAD_PREKEY_SIGNATURE', 'init: identity_dh_sig does not verify', op)
  checkEnvelopeShape(envelope.data)
  const spk = identity.signedPrekeySecret(init.signed_prekey_id)
  if (!spk) throw new MtChatError('SECRET_UNKNOWN_PREKEY', `signed prekey ${init.signed_prekey_id} is not held`, op)
  const opkId = init.one_time_prekey_id
  const opk = opkId === undefined ? undefined : identity.oneTimePrekeySecret(opkId)
  const ikdh = identity.identityDhSecret()
  try {
    if (opkId !== undefined && !opk) throw new MtChatError('SECRET_UNKNOWN_PREKEY', `one-time prekey ${opkId} is not held (already used?)`, op)
    const chatKey = deriveResponder(p, {
      chatId,
      identityKey: identity.identityKey,
      identityDhSecret: ikdh,
      signedPrekeySecret: spk,
      oneTimePrekeySecret: opk,
      peerIdentityKey: init.identity_key,
      peerIdentityDh: init.identity_dh,
      peerEphemeral: init.ephemeral_key,
    })
    try {
      if (!bytesEqual(envelopeFingerprint(envelope.data), chatKey.fingerprint))
        throw new MtChatError('SECRET_BAD_FINGERPRINT', 'the first envelope is not under the key its init derives', op)
      wipe(openEnvelope(p, chatKey.key, 0, envelope.data))
    } catch (err) {
      wipe(chatKey.key)
      throw err
    }
    if (opkId !== undefined) identity.markOneTimePrekeyUsed(opkId)
    const layer = opts.layer ?? SECRET_LAYER
    return { snapshot: fresh('responder', chatId, identity.identityKey, init.identity_key, layer, init.layer, chatKey, opts), layer }
  } finally {
    wipe(spk, opk, ikdh)
  }
}

function fresh(
  role: SecretRole,
  chatId: string,
  ownIdentity: Uint8Array,
  peerIdentity: Uint8Array,
  ownLayer: number,
  peerLayer: number | undefined,
  chatKey: ChatKey,
  opts: SecretSessionOptions,
): SessionSnapshot {
  return {
    chatId,
    role,
    state: role === 'initiator' ? 'initiating' : 'active',
    ownIdentity,
    peerIdentity,
    ownLayer,
    peerLayer,
    keys: { current: { ...chatKey, generation: 0, since: (opts.now ?? Date.now)(), used: 0 }, retired: [] },
    peerGeneration: 0,
    seq: { out: 0, in: 0, peerAcked: 0, highestSeen: -1 },
    rekey: { phase: 'idle' },
    sent: [],
    buffer: [],
    ackPending: false,
  }
}

