/**
 * The client's storage layout: which named store holds what, how keys are built (zero-padded so
 * the adapter's string order is the right order), and the shapes of the records. One place, so a
 * reload reads exactly what an earlier run wrote.
 *
 * | store      | key                               | value                                   |
 * |------------|-----------------------------------|-----------------------------------------|
 * | `meta`     | `device`, `pts`, `keys`, `published` | who we are, sync position, device keys |
 * | `peers`    | `id:<id>`, `name:<username>`      | User, user id                           |
 * | `identities` | `<userId>:<deviceId>`           | the peer identity key we have seen      |
 * | `secret`   | `<chatId>`                        | {@link SecretRecord}                    |
 * | `chats`    | `secret:<peerId>`                 | the active chat id with that peer       |
 * | `history`  | `c:<peer>:<serverId>` / `c:<peer>:~<outbox seq>` / `s:<peer>:<local seq>` | {@link MessageRecord} |
 * | `msgidx`   | `<random_id>`                     | the message's `history` key             |
 * | `outbox`   | `<seq>`                           | {@link OutboxEntry}                     |
 * | `ttl`      | `<expiresAt>:<random_id>`         | the `history` key of a message that self-destructs |
 * @module
 */
import type { SecretChatJson } from '../protocol/secret/index.js'
import type { RpcParams } from '../protocol/schemas/rpc.js'
import type { StoredValue } from '../storage/types.js'

export const S = {
  meta: 'meta',
  peers: 'peers',
  identities: 'identities',
  secret: 'secret',
  chats: 'chats',
  history: 'history',
  msgidx: 'msgidx',
  outbox: 'outbox',
  ttl: 'ttl',
} as const

/** Zero-pads a non-negative integer so string order is numeric order. */
export const pad = (n: number, width = 16) => String(n).padStart(width, '0')

/** Delivery state of a message: ✔ sent, ✔✔ delivered, ✅ read. */
export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed'

/** A file attached to a message (docs/PROTOCOL.md §3 FileRef), as stored. */
export interface StoredFileRef {
  file_id: string
  key: Uint8Array
  nonce_prefix: Uint8Array
  size: number
  sha256: Uint8Array
  mime: string
  name: string
  thumbnail?: Uint8Array
}

/** A message as the client keeps it. `id` is the sender's random_id, stable from `send` on. */
export interface MessageRecord {
  id: string
  kind: 'secret' | 'cloud'
  peer: number
  from: number
  out: boolean
  date: number
  text?: string
  file?: StoredFileRef
  caption?: string
  replyTo?: string
  ttl?: number
  status: MessageStatus
  /** Cloud: the relay's message id. */
  serverId?: number
  /** Secret: the chat it travelled in. */
  chatId?: string
  /** Unix ms when it self-destructs (set once the TTL clock started). */
  expiresAt?: number
  /** Incoming: whether we sent a read receipt for it. */
  readByMe?: boolean
  /** Why it failed, for status `failed`. */
  error?: { code: string; message: string }
}

/** A secret chat as stored: the protocol state plus what the SDK needs to route it. */
export interface SecretRecord {
  chatId: string
  peer: number
  peerDevice: string
  session: SecretChatJson
  /** Unix ms when this device created or joined the chat. */
  createdAt: number
}

/** Something waiting to be sent, in order, exactly once (random_id). */
export type OutboxEntry =
  | { kind: 'cloud'; id: string; historyKey: string; params: RpcParams<'messages.send'> }
  | { kind: 'secret'; id: string; historyKey?: string; params: RpcParams<'messages.sendSecret'> }
  | { kind: 'read'; params: RpcParams<'messages.read'> }
  | { kind: 'delete'; params: RpcParams<'messages.delete'> }
  | { kind: 'deleteChat'; params: RpcParams<'messages.deleteChat'> }

/** Cast helper: records are plain data the storage can hold. */
export const stored = <T>(v: T) => v as unknown as StoredValue
