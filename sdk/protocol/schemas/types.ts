/**
 * The shared RPC types of docs/PROTOCOL.md §3 "Types": User, CloudMessage, FileRef, SecretInit and
 * Presence, plus the small field schemas they are made of. Methods (`rpc.ts`), updates
 * (`updates.ts`) and the secret-chat payloads (`secret.ts`) build on these.
 *
 * Every object is strict: an unknown field is SCHEMA_INVALID, so a layer bump is explicit.
 * @module
 */
import * as v from 'valibot'
import { bytes, date, deviceId, hex16, uint, userId } from './common.js'

/** A message text: 1..4096 UTF-16 code units (JavaScript string length). */
export const TextSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(4096))

/** A file id chosen by the relay: 1..64 of [A-Za-z0-9_-]. */
export const FileIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1..64 of [A-Za-z0-9_-]'))

/** A cloud message id: a positive safe integer assigned by the relay. */
export const MessageIdSchema = userId

/** The largest secret envelope (`data`) the relay accepts: 256 KiB. */
export const MAX_ENVELOPE_BYTES = 256 * 1024

/**
 * A secret envelope (§4.2): key_fingerprint (8) ‖ msg_key (16) ‖ ciphertext (≥ 16, the smallest
 * plaintext being length (4) + padding (12)). Opaque to the relay apart from its size.
 */
export const EnvelopeDataSchema = bytes({ min: 40, max: MAX_ENVELOPE_BYTES })

/** A user as the relay shows it to others. */
export const UserSchema = v.strictObject({
  id: userId,
  username: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(64))),
  display_name: v.optional(v.pipe(v.string(), v.maxLength(128))),
  online: v.optional(v.boolean()),
  last_seen: v.optional(date),
})

/** A reference to an encrypted file blob, with the key to decrypt it (§5). */
export const FileRefSchema = v.strictObject({
  file_id: FileIdSchema,
  key: bytes({ exact: 32 }),
  nonce_prefix: bytes({ exact: 8 }),
  size: uint,
  sha256: bytes({ exact: 32 }),
  mime: v.pipe(v.string(), v.maxLength(255)),
  name: v.pipe(v.string(), v.maxLength(255)),
  thumbnail: v.optional(bytes({ max: 16 * 1024 })),
})

/** Delivery state of a cloud message: ✔ sent (stored), ✔✔ delivered (a device acked), ✅ read. */
export const MessageStatusSchema = v.picklist(['sent', 'delivered', 'read'])

/** A cloud-chat message as stored by the relay. */
export const CloudMessageSchema = v.strictObject({
  id: MessageIdSchema,
  random_id: hex16,
  from: userId,
  to: userId,
  date,
  text: v.optional(TextSchema),
  reply_to: v.optional(MessageIdSchema),
  file: v.optional(FileRefSchema),
  ttl: v.optional(uint),
  status: MessageStatusSchema,
})

/** What a secret chat's responder needs to derive the chat key (§4.1). */
export const SecretInitSchema = v.strictObject({
  identity_key: bytes({ exact: 32 }),
  identity_dh: bytes({ exact: 32 }),
  identity_dh_sig: bytes({ exact: 64 }),
  ephemeral_key: bytes({ exact: 32 }),
  signed_prekey_id: uint,
  one_time_prekey_id: v.optional(uint),
  layer: v.pipe(uint, v.minValue(1)),
})

/** A user's online state. */
export const PresenceSchema = v.strictObject({
  user_id: userId,
  online: v.boolean(),
  last_seen: v.optional(date),
})

/** A user as the relay shows it to others. */
export type User = v.InferOutput<typeof UserSchema>
/** A reference to an encrypted file blob. */
export type FileRef = v.InferOutput<typeof FileRefSchema>
/** Delivery state of a cloud message. */
export type MessageStatus = v.InferOutput<typeof MessageStatusSchema>
/** A cloud-chat message. */
export type CloudMessage = v.InferOutput<typeof CloudMessageSchema>
/** The first-message data of a secret chat. */
export type SecretInit = v.InferOutput<typeof SecretInitSchema>
/** A user's online state. */
export type Presence = v.InferOutput<typeof PresenceSchema>
