/**
 * The public types of chats (DESIGN.md "SDK surface"): messages, their delivery status, the
 * events a chat emits, and the options of its methods. Secret and cloud chats share them.
 * @module
 */
import type { EventEmitter } from 'eventemitter3'
import type { MtChatError } from '../errors.js'
import type { MessageStatus } from '../client/stores.js'

export type { MessageStatus }

/** Which kind of chat: end-to-end encrypted between two devices, or stored (readable) by the relay. */
export type ChatKind = 'secret' | 'cloud'

/** Progress of an upload or download. */
export interface Progress {
  /** Bytes done. */
  loaded: number
  /** Bytes in all. */
  total: number
}

/** Options of a download. */
export interface DownloadOptions {
  onProgress?: (p: Progress) => void
  signal?: AbortSignal
}

/** A file attached to a message. The content is fetched, decrypted and checked on demand. */
export interface FileInfo {
  name: string
  mime: string
  /** Plaintext size in bytes. */
  size: number
  /** A small image preview (JPEG/WebP bytes, ≤ 16 KiB), when the sender made one. */
  thumbnail?: Uint8Array
  /**
   * The decrypted content as a stream. It errors with FILE_HASH_MISMATCH, FILE_CHUNK_INVALID or
   * FILE_TRUNCATED when the blob was tampered with — only the last chunk's check is final, so
   * treat the data as untrusted until the stream ended without error.
   */
  stream(opts?: DownloadOptions): ReadableStream<Uint8Array>
  /** The decrypted content as a Blob, returned only once its sha256 matched. */
  blob(opts?: DownloadOptions): Promise<Blob>
}

/** A message of a chat. `id` is stable from `send` on (the sender's random_id). */
export interface Message {
  readonly id: string
  /** The chat it belongs to. */
  readonly chat: Chat
  readonly kind: ChatKind
  /** The other user's id. */
  readonly peer: number
  /** The sender's user id. */
  readonly from: number
  /** Whether we sent it. */
  readonly out: boolean
  /** Unix ms. */
  readonly date: number
  readonly text?: string
  readonly file?: FileInfo
  /** A file's caption. */
  readonly caption?: string
  /** The id of the message this replies to. */
  readonly replyTo?: string
  /** Self-destruct timer in seconds (secret chats). */
  readonly ttl?: number
  /** Unix ms when it self-destructs, once its timer runs. */
  readonly expiresAt?: number
  /** sending → sent ✔ → delivered ✔✔ → read ✅, or failed. */
  readonly status: MessageStatus
  /** Why it failed, when `status` is `failed`. */
  readonly error?: { code: string; message: string }
}

/** A message's status changed. */
export interface StatusEvent {
  id: string
  status: MessageStatus
  /** For `failed`: why. */
  error?: MtChatError
}

/** The peer is typing. */
export interface TypingEvent {
  peer: number
  /** Unix ms. */
  date: number
}

/** Messages were deleted: by us, by the peer (for everyone), or by their self-destruct timer. */
export interface DeletedEvent {
  ids: string[]
  by: 'me' | 'peer' | 'ttl'
  /** The whole history was cleared. */
  all?: boolean
}

/** A secret chat switched to a new key. */
export interface RekeyedEvent {
  /** key_fingerprint of the new key (8 bytes). */
  fingerprint: Uint8Array
}

/** A secret chat ended for good, with the error code that ended it (e.g. SECRET_BAD_PARITY). */
export interface AbortedEvent {
  code: string
  reason: string
}

/** A chat's lifecycle state changed (`{ from, to, code, reason }`). */
export interface ChatStateEvent {
  from: string | null
  to: string
  code: string
  reason: string
}

/** A peer device's identity key is not the one seen before: verify the chat again. */
export interface IdentityChangedEvent {
  peer: number
  deviceId: string
  previous: Uint8Array
  current: Uint8Array
}

/** Events of a chat. */
export interface ChatEvents {
  message: [Message]
  status: [StatusEvent]
  typing: [TypingEvent]
  deleted: [DeletedEvent]
  rekeyed: [RekeyedEvent]
  aborted: [AbortedEvent]
  state: [ChatStateEvent]
  identityChanged: [IdentityChangedEvent]
  error: [MtChatError]
}

/** What `send` takes besides a plain string. */
export interface SendOptions {
  text: string
  /** The id of the message this replies to. */
  replyTo?: string
  /** Self-destruct after this many seconds once read (secret chats). */
  ttl?: number
}

/** Options of `sendFile`. */
export interface SendFileOptions {
  /** File name (default: the File's name, or "file"). */
  name?: string
  /** MIME type (default: the Blob's type, or application/octet-stream). */
  mime?: string
  /** Required for a stream: its size in bytes. */
  size?: number
  caption?: string
  replyTo?: string
  ttl?: number
  onProgress?: (p: Progress) => void
  signal?: AbortSignal
}

/** Options of `history`. */
export interface HistoryOptions {
  /** Only messages older than the one with this id. */
  before?: string
  /** At most this many, the newest of them (default 50, at most 100). */
  limit?: number
}

/** Options of `delete` and `clear`. */
export interface DeleteOptions {
  /** Delete for the peer too (default false: only here). */
  forEveryone?: boolean
}

/** What a file to send can be: a Blob/File (browsers), bytes, or a stream of bytes. */
export type FileSource = Blob | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>

/** The interface both chat kinds share. */
export interface Chat extends EventEmitter<ChatEvents> {
  readonly kind: ChatKind
  /** The peer as the app named it (username or id). */
  readonly peer: string | number
  /** The peer's user id (resolved on first use). */
  peerId(): Promise<number>
  /** Sends a text; resolves when the relay stored it (✔). Queued in the outbox while offline. */
  send(message: string | SendOptions): Promise<Message>
  /** Encrypts and uploads a file (resumable), then sends it as a message. */
  sendFile(file: FileSource, opts?: SendFileOptions): Promise<Message>
  /** Tells the peer we are typing (ephemeral: dropped when offline). */
  typing(): Promise<void>
  /** Marks incoming messages up to `id` (default: all) as read, sending a read receipt (✅). */
  markRead(id?: string): Promise<void>
  /** Messages, oldest first: the `limit` newest before `before`. */
  history(opts?: HistoryOptions): Promise<Message[]>
  /** Messages containing `text` (case-insensitive), newest first. */
  search(text: string, opts?: { limit?: number }): Promise<Message[]>
  /** Deletes a message here, or for both sides with `forEveryone`. */
  delete(id: string, opts?: DeleteOptions): Promise<void>
  /** Deletes the whole history here, or for both sides with `forEveryone`. */
  clear(opts?: DeleteOptions): Promise<void>
}

/** What `verify()` returns: compare it with the peer out of band. */
export interface Verification {
  /** 60 digits in 12 groups of 5, the same on both devices. */
  safetyNumber: string
  /** 8 emoji, the same on both devices. */
  emoji: string
}

/** A secret chat: end-to-end encrypted between this device and one device of the peer. */
export interface SecretChat extends Chat {
  readonly kind: 'secret'
  /** `new` until the first use, then the protocol state (initiating, active, rekeying, aborted, closed). */
  readonly state: string
  /** Safety number and emoji from both identity keys (§4.7). */
  verify(): Promise<Verification>
  /** Switches to a fresh key now (it also happens after 100 messages or 7 days). */
  rekey(): Promise<void>
}

/** A cloud chat: stored by the relay, synced to every session of both users. */
export interface CloudChat extends Chat {
  readonly kind: 'cloud'
}
