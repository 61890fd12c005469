/**
 * Updates (docs/PROTOCOL.md §3.1): the items of the relay's `updates` push and of
 * `updates.getDifference`, one strict schema per `_`, and the `updates` body that carries them.
 * Updates with `pts` are stored in the user's update log; the others are ephemeral.
 * @module
 */
import * as v from 'valibot'
import { date, deviceId, hex16, uint, userId } from './common.js'
import { CloudMessageSchema, EnvelopeDataSchema, MessageIdSchema, SecretInitSchema } from './types.js'

/** The most updates one `updates` body or one `getDifference` answer carries. */
export const MAX_UPDATES = 500

const envelopeFields = {
  from: userId,
  from_device: deviceId,
  chat_id: hex16,
  random_id: hex16,
  data: EnvelopeDataSchema,
  init: v.optional(SecretInitSchema),
  date,
}

/** A stored secret envelope addressed to this device. */
export const RelayedEnvelopeSchema = v.strictObject({ id: MessageIdSchema, ...envelopeFields })
/** An ephemeral secret envelope (typing): never stored, so it has no id. */
export const RelayedEphemeralEnvelopeSchema = v.strictObject(envelopeFields)

/** A new cloud message (incoming, or our own sent from another session). */
export const UpdateMessageSchema = v.strictObject({ _: v.literal('update.message'), pts: uint, message: CloudMessageSchema })
/** A secret envelope for this device. */
export const UpdateSecretSchema = v.strictObject({ _: v.literal('update.secret'), pts: uint, envelope: RelayedEnvelopeSchema })
/** A receipt: the peer's device got (delivered) or read our messages. */
export const UpdateStatusSchema = v.strictObject({
  _: v.literal('update.status'),
  pts: uint,
  peer: userId,
  status: v.picklist(['delivered', 'read']),
  max_id: v.optional(MessageIdSchema),
  chat_id: v.optional(hex16),
  random_id: v.optional(hex16),
})
/** Cloud messages were deleted. */
export const UpdateDeletedSchema = v.strictObject({
  _: v.literal('update.deleted'),
  pts: uint,
  peer: userId,
  ids: v.pipe(v.array(MessageIdSchema), v.minLength(1), v.maxLength(100)),
  everyone: v.boolean(),
})
/** A whole chat was deleted. */
export const UpdateChatDeletedSchema = v.strictObject({ _: v.literal('update.chatDeleted'), pts: uint, peer: userId })
/** A peer published a new identity key. */
export const UpdateIdentitySchema = v.strictObject({ _: v.literal('update.identity'), pts: uint, user_id: userId, device_id: deviceId })
/** A peer is typing in a cloud chat (ephemeral). */
export const UpdateTypingSchema = v.strictObject({ _: v.literal('update.typing'), peer: userId })
/** A subscribed user went online or offline (ephemeral). */
export const UpdatePresenceSchema = v.strictObject({
  _: v.literal('update.presence'),
  user_id: userId,
  online: v.boolean(),
  last_seen: v.optional(date),
})
/** This device is running out of one-time prekeys (ephemeral). */
export const UpdatePrekeysLowSchema = v.strictObject({ _: v.literal('update.prekeysLow'), device_id: deviceId, count: uint })
/** An ephemeral secret envelope, e.g. typing (ephemeral). */
export const UpdateSecretEphemeralSchema = v.strictObject({ _: v.literal('update.secretEphemeral'), envelope: RelayedEphemeralEnvelopeSchema })

/** Any update, discriminated by `_`. */
export const UpdateSchema = v.variant('_', [
  UpdateMessageSchema,
  UpdateSecretSchema,
  UpdateStatusSchema,
  UpdateDeletedSchema,
  UpdateChatDeletedSchema,
  UpdateIdentitySchema,
  UpdateTypingSchema,
  UpdatePresenceSchema,
  UpdatePrekeysLowSchema,
  UpdateSecretEphemeralSchema,
])

/** Every update type name. */
export const UPDATE_TYPES = UpdateSchema.options.map((o) => o.entries._.literal)

/** The relay's push: `{ _: "updates", updates, pts }` (a content frame the client acks). */
export const UpdatesSchema = v.strictObject({
  _: v.literal('updates'),
  updates: v.pipe(v.array(UpdateSchema), v.minLength(1), v.maxLength(MAX_UPDATES)),
  pts: uint,
})

/** Any update. */
export type Update = v.InferOutput<typeof UpdateSchema>
/** The `_` of an update. */
export type UpdateType = Update['_']
/** A stored secret envelope. */
export type RelayedEnvelope = v.InferOutput<typeof RelayedEnvelopeSchema>
/** An ephemeral secret envelope. */
export type RelayedEphemeralEnvelope = v.InferOutput<typeof RelayedEphemeralEnvelopeSchema>
/** The `updates` push body. */
export type Updates = v.InferOutput<typeof UpdatesSchema>
