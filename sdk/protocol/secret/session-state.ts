/**
 * The persisted form of a secret chat: everything a reload needs to resume exactly where the chat
 * was (keys, counters, layer, re-key exchange, unacknowledged sent envelopes, buffered messages).
 *
 * JSON-safe (byte strings as base64) and versioned (`v: 1`); restoring validates it with a strict
 * schema, so a damaged record is SCHEMA_INVALID instead of a half-working chat. It holds chat keys
 * in clear: the SDK keeps it in the device's own storage, never on the relay. Buffered messages
 * are kept as their envelopes (ciphertext), not as plaintext.
 * @module
 */
import * as v from 'valibot'
import { toBase64 } from '../../util/bytes.js'
import { bytes, date, hex16, toWire, uint, validate } from '../schemas/common.js'
import { type SecretInit, SecretInitSchema } from '../schemas/secret.js'
import type { KeyEntry, KeySetState, PreviousKey } from './keyset.js'
import type { SecretChatState } from './outcomes.js'
import type { RekeyState } from './rekey.js'
import type { SecretRole, SeqCounters } from './seq.js'

/** A sent envelope kept for resends until the peer acknowledges it. */
export interface StoredEnvelope {
  randomId: string
  data: Uint8Array
  init?: SecretInit
}

/** A message that came ahead of a gap, as persisted (its envelope). */
export interface BufferedEnvelope {
  raw: number
  randomId: string
  data: Uint8Array
}

/** Everything a session is made of, in memory form. */
export interface SessionSnapshot {
  chatId: string
  role: SecretRole
  state: SecretChatState
  ownIdentity: Uint8Array
  peerIdentity: Uint8Array
  ownLayer: number
  peerLayer?: number
  init?: SecretInit
  /** Absent once the chat is aborted or closed (the keys are zeroized). */
  keys?: KeySetState
  peerGeneration: number
  seq: SeqCounters
  rekey: RekeyState
  sent: [number, StoredEnvelope][]
  buffer: BufferedEnvelope[]
  ackPending: boolean
  /** Our last resend request: the range and the raw number of the request message. */
  requested?: { start: number; end: number; raw: number }
}

const keyEntry = {
  key: bytes({ exact: 256 }),
  fingerprint: bytes({ exact: 8 }),
  generation: uint,
  since: date,
  used: uint,
}
const KeyEntrySchema = v.strictObject(keyEntry)
const PreviousKeySchema = v.strictObject({ ...keyEntry, out_end: uint, peer_switched: v.boolean() })
const lastCommitted = v.optional(hex16)

const SessionJsonSchema = v.strictObject({
  v: v.literal(1),
  chat_id: hex16,
  role: v.picklist(['initiator', 'responder']),
  state: v.picklist(['initiating', 'active', 'rekeying', 'aborted', 'closed']),
  identity: v.strictObject({ own: bytes({ exact: 32 }), peer: bytes({ exact: 32 }) }),
  layer: v.strictObject({ own: uint, peer: v.nullable(uint) }),
  init: v.nullable(SecretInitSchema),
  keys: v.nullable(
    v.strictObject({
      current: KeyEntrySchema,
      pending: v.nullable(KeyEntrySchema),
      previous: v.nullable(PreviousKeySchema),
      retired: v.array(bytes({ exact: 8 })),
    }),
  ),
  peer_generation: uint,
  seq: v.strictObject({ out: uint, in: uint, peer_acked: uint, highest_seen: v.pipe(v.number(), v.integer(), v.minValue(-1)) }),
  rekey: v.variant('phase', [
    v.strictObject({ phase: v.literal('idle'), last_committed: lastCommitted }),
    v.strictObject({
      phase: v.literal('requested'),
      exchange_id: hex16,
      secret: bytes({ exact: 32 }),
      g_a: bytes({ exact: 32 }),
      last_committed: lastCommitted,
    }),
    v.strictObject({ phase: v.literal('accepted'), exchange_id: hex16, fingerprint: bytes({ exact: 8 }), last_committed: lastCommitted }),
  ]),
  sent: v.array(v.strictObject({ raw: uint, random_id: hex16, data: bytes(), init: v.optional(SecretInitSchema) })),
  buffer: v.array(v.strictObject({ raw: uint, random_id: hex16, data: bytes() })),
  ack_pending: v.boolean(),
  requested: v.nullable(v.strictObject({ start: uint, end: uint, raw: uint })),
})

/** The JSON form of a secret chat as `toJSON()` returns it (byte strings as base64). */
export type SecretChatJson = v.InferInput<typeof SessionJsonSchema>

type Json<T> = T extends Uint8Array ? string : T extends object ? { [K in keyof T]: Json<T[K]> } : T

function initJson(init: SecretInit): Json<SecretInit> {
  return toWire(init) as Json<SecretInit>
}

function entryJson(e: KeyEntry) {
  return { key: toBase64(e.key), fingerprint: toBase64(e.fingerprint), generation: e.generation, since: e.since, used: e.used }
}

function rekeyJson(r: RekeyState): SecretChatJson['rekey'] {
  const last = r.lastCommitted === undefined ? {} : { last_committed: r.lastCommitted }
  if (r.phase === 'requested') return { phase: 'requested', exchange_id: r.exchangeId, secret: toBase64(r.secret), g_a: toBase64(r.gA), ...last }
  if (r.phase === 'accepted') return { phase: 'accepted', exchange_id: r.exchangeId, fingerprint: toBase64(r.fingerprint), ...last }
  return { phase: 'idle', ...last }
}

/** Snapshot → JSON. */
export function sessionToJson(s: SessionSnapshot): SecretChatJson {
  const k = s.keys
  return {
    v: 1,
    chat_id: s.chatId,
    role: s.role,
    state: s.state,
    identity: { own: toBase64(s.ownIdentity), peer: toBase64(s.peerIdentity) },
    layer: { own: s.ownLayer, peer: s.peerLayer ?? null },
    init: s.init ? initJson(s.init) : null,
    keys: k
      ? {
          current: entryJson(k.current),
          pending: k.pending ? entryJson(k.pending) : null,
          previous: k.previous ? { ...entryJson(k.previous), out_end: k.previous.outEnd, peer_switched: k.previous.peerSwitched } : null,
          retired: k.retired.map(toBase64),
        }
      : null,
    peer_generation: s.peerGeneration,
    seq: { out: s.seq.out, in: s.seq.in, peer_acked: s.seq.peerAcked, highest_seen: s.seq.highestSeen },
    rekey: rekeyJson(s.rekey),
    sent: s.sent.map(([raw, e]) => ({ raw, random_id: e.randomId, data: toBase64(e.data), ...(e.init ? { init: initJson(e.init) } : {}) })),
    buffer: s.buffer.map((b) => ({ raw: b.raw, random_id: b.randomId, data: toBase64(b.data) })),
    ack_pending: s.ackPending,
    requested: s.requested ?? null,
  }
}

function entryFrom(e: v.InferOutput<typeof KeyEntrySchema>): KeyEntry {
  return { key: e.key, fingerprint: e.fingerprint, generation: e.generation, since: e.since, used: e.used }
}

/**
 * JSON → snapshot.
 * @throws MtChatError SCHEMA_INVALID naming the first bad field.
 */
export function sessionFromJson(json: unknown): SessionSnapshot {
  const j = validate(SessionJsonSchema, json, 'secret.session.fromJSON')
  let keys: KeySetState | undefined
  if (j.keys) {
    const prev = j.keys.previous
    const previous: PreviousKey | undefined = prev ? { ...entryFrom(prev), outEnd: prev.out_end, peerSwitched: prev.peer_switched } : undefined
    keys = {
      current: entryFrom(j.keys.current),
      pending: j.keys.pending ? entryFrom(j.keys.pending) : undefined,
      previous,
      retired: j.keys.retired,
    }
  }
  const r = j.rekey
  const rekey: RekeyState =
    r.phase === 'requested'
      ? { phase: 'requested', exchangeId: r.exchange_id, secret: r.secret, gA: r.g_a, lastCommitted: r.last_committed }
      : r.phase === 'accepted'
        ? { phase: 'accepted', exchangeId: r.exchange_id, fingerprint: r.fingerprint, lastCommitted: r.last_committed }
        : { phase: 'idle', lastCommitted: r.last_committed }
  return {
    chatId: j.chat_id,
    role: j.role,
    state: j.state,
    ownIdentity: j.identity.own,
    peerIdentity: j.identity.peer,
    ownLayer: j.layer.own,
    peerLayer: j.layer.peer ?? undefined,
    init: j.init ?? undefined,
    keys,
    peerGeneration: j.peer_generation,
    seq: { out: j.seq.out, in: j.seq.in, peerAcked: j.seq.peer_acked, highestSeen: j.seq.highest_seen },
    rekey,
    sent: j.sent.map((e) => [e.raw, { randomId: e.random_id, data: e.data, ...(e.init ? { init: e.init } : {}) }]),
    buffer: j.buffer.map((b) => ({ raw: b.raw, randomId: b.random_id, data: b.data })),
    ackPending: j.ack_pending,
    requested: j.requested ?? undefined,
  }
}
