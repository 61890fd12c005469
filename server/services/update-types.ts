/**
 * JSON shapes the relay produces for clients: CloudMessage, FileRef, SecretInit and the updates of
 * docs/PROTOCOL.md §3 and §3.1, exactly as they go on the wire (snake_case, unix ms, base64).
 * @module
 */

/** docs/PROTOCOL.md §3 FileRef (opaque to the relay except `file_id`). */
export interface FileRefJson {
  file_id: string
  key: string
  nonce_prefix: string
  size: number
  sha256: string
  mime: string
  name: string
  thumbnail?: string
}

/** docs/PROTOCOL.md §3 SecretInit. */
export interface SecretInitJson {
  identity_key: string
  identity_dh: string
  identity_dh_sig: string
  ephemeral_key: string
  signed_prekey_id: number
  one_time_prekey_id?: number
  layer: number
}

/** Receipt state of a cloud message. */
export type MessageStatus = 'sent' | 'delivered' | 'read'

/** docs/PROTOCOL.md §3 CloudMessage. */
export interface CloudMessageJson {
  id: number
  random_id: string
  from: number
  to: number
  date: number
  text?: string
  reply_to?: number
  file?: FileRefJson
  ttl?: number
  status: MessageStatus
}

/** The envelope inside `update.secret`. */
export interface SecretEnvelopeJson {
  id: number
  from: number
  from_device: string
  chat_id: string
  random_id: string
  data: string
  init?: SecretInitJson
  date: number
}

/** docs/PROTOCOL.md §3 Presence. */
export interface PresenceJson {
  user_id: number
  online: boolean
  last_seen?: number
}

/** An update stored in the log (it has a pts). */
export type StoredUpdate =
  | { _: 'update.message'; pts: number; message: CloudMessageJson }
  | { _: 'update.secret'; pts: number; envelope: SecretEnvelopeJson }
  | { _: 'update.status'; pts: number; peer: number; status: 'delivered' | 'read'; max_id?: number; chat_id?: string; random_id?: string }
  | { _: 'update.deleted'; pts: number; peer: number; ids: number[]; everyone: boolean }
  | { _: 'update.chatDeleted'; pts: number; peer: number }
  | { _: 'update.identity'; pts: number; user_id: number; device_id: string }

/** An update that is pushed if someone is online and never stored (no pts). */
export type EphemeralUpdate =
  | { _: 'update.typing'; peer: number }
  | ({ _: 'update.presence' } & PresenceJson)
  | { _: 'update.prekeysLow'; device_id: string; count: number }
  | { _: 'update.secretEphemeral'; envelope: Omit<SecretEnvelopeJson, 'id'> }

/** Any update. */
export type Update = StoredUpdate | EphemeralUpdate
