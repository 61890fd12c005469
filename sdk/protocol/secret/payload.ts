/**
 * The secret-chat payload codec (docs/PROTOCOL.md §4.3): UTF-8 JSON inside the envelope, either a
 * sequenced payload (messages and service actions) or an ephemeral one (typing, dated, ±60 s).
 * Decoding validates against the strict schemas of `schemas/secret.ts`; every failure is
 * SECRET_BAD_PAYLOAD naming the field, never a half-parsed object.
 * @module
 */
import * as v from 'valibot'
import { MtChatError } from '../../errors.js'
import { fromUtf8 } from '../../util/bytes.js'
import { encodeBody, toWire } from '../schemas/common.js'
import { DecryptedMessageSchema, type EphemeralPayload, EphemeralPayloadSchema, type SecretPayload, SecretPayloadSchema } from '../schemas/secret.js'
import type { OutgoingMessage } from './outcomes.js'

/** How far an ephemeral payload's date may be from our clock (§4.3). */
export const EPHEMERAL_WINDOW_MS = 60_000

/** A decoded payload: sequenced or ephemeral. */
export type DecodedPayload = { kind: 'seq'; payload: SecretPayload } | { kind: 'ephemeral'; payload: EphemeralPayload }

/** UTF-8 JSON of a payload (byte fields as base64). */
export function encodePayload(payload: SecretPayload | EphemeralPayload): Uint8Array {
  return encodeBody(payload)
}

/**
 * Parses and validates payload bytes. Which schema applies is decided by the presence of the
 * `ephemeral` field, which lives inside the encryption, so the relay cannot turn one into the other.
 * @throws MtChatError SECRET_BAD_PAYLOAD
 */
export function decodePayload(bytes: Uint8Array): DecodedPayload {
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(bytes))
  } catch (cause) {
    throw new MtChatError('SECRET_BAD_PAYLOAD', 'payload is not UTF-8 JSON', { op: 'secret.payload', cause, details: { reason: 'json' } })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new MtChatError('SECRET_BAD_PAYLOAD', 'payload is not a JSON object', { op: 'secret.payload', details: { reason: 'json' } })
  if ('ephemeral' in value) return { kind: 'ephemeral', payload: check(EphemeralPayloadSchema, value) }
  return { kind: 'seq', payload: check(SecretPayloadSchema, value) }
}

/**
 * Checks an ephemeral payload's date against `now` (§4.3: ±60 s).
 * @throws MtChatError SECRET_EPHEMERAL_STALE
 */
export function checkEphemeralDate(date: number, now: number): void {
  if (Math.abs(date - now) > EPHEMERAL_WINDOW_MS)
    throw new MtChatError('SECRET_EPHEMERAL_STALE', undefined, { op: 'secret.payload', details: { skewMs: date - now } })
}

function check<S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, value)
  if (result.success) return result.output
  const path = v.getDotPath(result.issues[0]) ?? '(root)'
  throw new MtChatError('SECRET_BAD_PAYLOAD', `payload: ${path}: ${result.issues[0].message}`, {
    op: 'secret.payload',
    details: { reason: 'schema', path },
  })
}

const USER_ACTIONS = new Set(['readMessages', 'deleteMessages', 'flushHistory', 'setTTL', 'screenshot'])

/**
 * Checks what the application asks to send: a text, a file or a user service action (read,
 * delete, TTL, screenshot, flush), valid in its wire form, so we never send what the peer's strict
 * schema would refuse. Protocol actions (resend, re-key, layer, noop) are the session's own.
 * @throws MtChatError INVALID_ARGUMENT naming the field
 */
export function checkOutgoingMessage(message: OutgoingMessage): void {
  if (typeof message !== 'object' || message === null) throw new TypeError('"message" expected an object')
  if (message._ === 'service' && !USER_ACTIONS.has((message.action as { _?: string } | undefined)?._ ?? ''))
    throw new MtChatError('INVALID_ARGUMENT', 'only read, delete, TTL, screenshot and flush actions can be sent directly', { op: 'secret.encrypt' })
  // The wire form, as the peer's schema will see it (bytes as base64), without a JSON round trip.
  const result = v.safeParse(DecryptedMessageSchema, toWire(message))
  if (!result.success) {
    const path = v.getDotPath(result.issues[0]) ?? '(root)'
    throw new MtChatError('INVALID_ARGUMENT', `message: ${path}: ${result.issues[0].message}`, { op: 'secret.encrypt', details: { path } })
  }
}
