/**
 * Schemas of layer 2, secret chats (docs/PROTOCOL.md §4.3, the SecretInit and FileRef types of §3,
 * and the key bundles of §6 `PUT /v1/keys` / `GET /v1/keys/:userId`).
 *
 * Every object is strict: an unknown field fails, so a layer bump is explicit. Byte strings are
 * standard base64 on the wire and Uint8Array after parsing (see `common.ts`). The inferred output
 * types are what the secret-chat session hands to the SDK.
 *
 * SecretInit and FileRef are the RPC types of §3 (`types.ts`); they are re-exported here so the
 * secret-chat layer has its schemas in one place.
 * @module
 */
import * as v from 'valibot'
import { bytes, date, deviceId, hex16, uint, userId } from './common.js'
import { type FileRef, FileRefSchema, type SecretInit, SecretInitSchema, TextSchema } from './types.js'

export { FileRefSchema, SecretInitSchema, type FileRef, type SecretInit }

/** The payload layer this build speaks (docs/PROTOCOL.md §4.5). */
export const SECRET_LAYER = 1

const u32 = v.pipe(uint, v.maxValue(0xffffffff))
const layer = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0xffff))
const x25519Public = bytes({ exact: 32 })
const ed25519Public = bytes({ exact: 32 })
const signature = bytes({ exact: 64 })
const fingerprint = bytes({ exact: 8 })
// ≥ 15 by §4.3; the upper bound only keeps a hostile payload from allocating much.
const randomBytes = bytes({ min: 15, max: 256 })
const randomIds = v.pipe(v.array(hex16), v.minLength(1), v.maxLength(1000))
const shortText = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max))

/** Service actions of §4.3. */
export const SecretActionSchema = v.pipe(
  v.variant('_', [
    v.strictObject({ _: v.literal('notifyLayer'), layer }),
    v.strictObject({ _: v.literal('resend'), start: u32, end: u32 }),
    v.strictObject({ _: v.literal('readMessages'), random_ids: randomIds }),
    v.strictObject({ _: v.literal('deleteMessages'), random_ids: randomIds }),
    v.strictObject({ _: v.literal('flushHistory') }),
    v.strictObject({ _: v.literal('setTTL'), ttl: u32 }),
    v.strictObject({ _: v.literal('screenshot'), random_ids: randomIds }),
    v.strictObject({ _: v.literal('noop') }),
    v.strictObject({ _: v.literal('requestKey'), exchange_id: hex16, g_a: x25519Public }),
    v.strictObject({ _: v.literal('acceptKey'), exchange_id: hex16, g_b: x25519Public, key_fingerprint: fingerprint }),
    v.strictObject({ _: v.literal('commitKey'), exchange_id: hex16, key_fingerprint: fingerprint }),
    v.strictObject({ _: v.literal('abortKey'), exchange_id: hex16 }),
  ]),
  v.check((a) => a._ !== 'resend' || a.start <= a.end, 'resend: start must not exceed end'),
)

/** DecryptedMessage of §4.3. */
export const DecryptedMessageSchema = v.variant('_', [
  v.strictObject({
    _: v.literal('text'),
    text: TextSchema,
    reply_to: v.optional(hex16),
    ttl: v.optional(u32),
  }),
  v.strictObject({
    _: v.literal('file'),
    file: FileRefSchema,
    caption: v.optional(shortText(1024)),
    reply_to: v.optional(hex16),
    ttl: v.optional(u32),
  }),
  v.strictObject({ _: v.literal('service'), action: SecretActionSchema }),
])

/** A sequenced payload of §4.3 (everything but typing). */
export const SecretPayloadSchema = v.strictObject({
  layer,
  random_id: hex16,
  random_bytes: randomBytes,
  in_seq_no: u32,
  out_seq_no: u32,
  message: DecryptedMessageSchema,
})

/** An ephemeral payload of §4.3: no seq numbers, dated, never stored. */
export const EphemeralPayloadSchema = v.strictObject({
  layer,
  random_bytes: randomBytes,
  date,
  ephemeral: v.variant('_', [v.strictObject({ _: v.literal('typing') })]),
})

const SignedPrekeySchema = v.strictObject({ id: u32, key: x25519Public, sig: signature })
const OneTimePrekeySchema = v.strictObject({ id: u32, key: x25519Public })

/** A peer's bundle as `GET /v1/keys/:userId` returns it (§6). */
export const PeerBundleSchema = v.strictObject({
  user_id: userId,
  device_id: deviceId,
  identity_key: ed25519Public,
  identity_dh: x25519Public,
  identity_dh_sig: signature,
  signed_prekey: SignedPrekeySchema,
  one_time_prekey: v.optional(OneTimePrekeySchema),
})

/** Our bundle as `PUT /v1/keys` takes it (§6). */
export const PublishBundleSchema = v.strictObject({
  device_id: deviceId,
  identity_key: ed25519Public,
  identity_dh: x25519Public,
  identity_dh_sig: signature,
  signed_prekey: v.optional(SignedPrekeySchema),
  one_time_prekeys: v.optional(v.pipe(v.array(OneTimePrekeySchema), v.maxLength(1000))),
})

/** A service action after parsing. */
export type SecretAction = v.InferOutput<typeof SecretActionSchema>
/** A DecryptedMessage after parsing. */
export type DecryptedMessage = v.InferOutput<typeof DecryptedMessageSchema>
/** A sequenced payload after parsing. */
export type SecretPayload = v.InferOutput<typeof SecretPayloadSchema>
/** An ephemeral payload after parsing. */
export type EphemeralPayload = v.InferOutput<typeof EphemeralPayloadSchema>
/** A peer bundle after parsing (not yet verified: see `verifyPeerBundle`). */
export type PeerBundle = v.InferOutput<typeof PeerBundleSchema>
/** The JSON body of `PUT /v1/keys` as sent (base64 strings). */
export type PublishBundleJson = v.InferInput<typeof PublishBundleSchema>
