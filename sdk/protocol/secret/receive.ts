/**
 * The first half of receiving a secret envelope (docs/PROTOCOL.md §4.2, §4.3): everything up to a
 * parsed, authenticated payload, in the order of §4.2 — shape, key by fingerprint, msg_key, length
 * and padding, schema — and the verdict on each failure: dropped (the peer learns nothing, the
 * chat goes on) or abort (authenticated, so only the peer could have sent it). Sequence numbers
 * are the session's business.
 * @module
 */
import { wipe } from '../../crypto/ct.js'
import type { Direction } from '../../crypto/mtproto2.js'
import type { CryptoProvider } from '../../crypto/provider.js'
import { MtChatError } from '../../errors.js'
import type { SecretPayload } from '../schemas/secret.js'
import { checkEnvelopeShape, envelopeFingerprint, openEnvelope } from './envelope.js'
import type { KeySet } from './keyset.js'
import type { SecretEnvelope } from './outcomes.js'
import { checkEphemeralDate, decodePayload } from './payload.js'

/** What opening an envelope gave. */
export type Opened =
  /** A sequenced payload and the generation of the key it came under. */
  | { kind: 'seq'; payload: SecretPayload; generation: number }
  /** A typing notice within ±60 s. */
  | { kind: 'typing'; date: number }
  /** Not processed; the chat goes on. */
  | { kind: 'dropped'; error: MtChatError }
  /** Authenticated but broken: the chat must end. */
  | { kind: 'abort'; error: MtChatError }

/** The chat's side of the check. */
export interface OpenContext {
  p: CryptoProvider
  keys: KeySet
  /** The sender's x: 0 when the peer is the initiator, 8 when it is the responder. */
  peerX: Direction
  ownLayer: number
  now: number
}

const op = { op: 'secret.decrypt' }

/** Opens one envelope of a chat. Never throws for bad input. */
export function openChatEnvelope(c: OpenContext, envelope: SecretEnvelope): Opened {
  let bytes: Uint8Array
  let generation: number
  try {
    checkEnvelopeShape(envelope.data)
    const found = c.keys.lookup(envelopeFingerprint(envelope.data))
    // Every message under a retired key was accepted before it retired (§4.6): a copy is a duplicate.
    if (found.kind === 'retired') return drop('SECRET_DUPLICATE', 'envelope under a retired key', 'retired key')
    if (found.kind === 'unknown') return drop('SECRET_BAD_FINGERPRINT')
    generation = found.entry.generation
    bytes = openEnvelope(c.p, found.entry.key, c.peerX, envelope.data)
  } catch (err) {
    if (!MtChatError.is(err)) throw err
    return { kind: 'dropped', error: err }
  }
  let decoded
  try {
    decoded = decodePayload(bytes)
  } catch (err) {
    if (!MtChatError.is(err)) throw err
    return { kind: 'abort', error: err }
  } finally {
    wipe(bytes)
  }
  if (decoded.kind === 'ephemeral') {
    // Typing is never worth ending a chat over: a bad one is only dropped.
    if (decoded.payload.layer > c.ownLayer) return drop('SECRET_BAD_PAYLOAD', 'ephemeral payload above our layer', 'layer')
    try {
      checkEphemeralDate(decoded.payload.date, c.now)
    } catch (err) {
      return { kind: 'dropped', error: err as MtChatError }
    }
    return { kind: 'typing', date: decoded.payload.date }
  }
  const payload = decoded.payload
  if (payload.layer > c.ownLayer)
    return {
      kind: 'abort',
      error: new MtChatError('SECRET_BAD_PAYLOAD', `peer used layer ${payload.layer} above ours`, { ...op, details: { reason: 'layer' } }),
    }
  // random_id also travels outside the encryption: a mismatch is the relay's doing, not the peer's.
  if (payload.random_id !== envelope.randomId) return drop('SECRET_BAD_PAYLOAD', 'random_id differs from the envelope’s', 'random_id')
  return { kind: 'seq', payload, generation }
}

function drop(code: 'SECRET_DUPLICATE' | 'SECRET_BAD_FINGERPRINT' | 'SECRET_BAD_PAYLOAD', message?: string, reason?: string): Opened {
  return { kind: 'dropped', error: new MtChatError(code, message, { ...op, ...(reason ? { details: { reason } } : {}) }) }
}
