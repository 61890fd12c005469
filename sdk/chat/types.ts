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
  /** Called as bytes arrive. */
  onProgress?: (p: Progress) => void
  /** Cancels the download (ABORTED). */
  signal?: AbortSignal
}

/**
 * A file attached to a message. The content is fetched, decrypted and checked on demand.
 * @example
 * ```ts
 * const blob = await message.file.blob()            // browsers: verified, then handed out
 * await message.file.stream().pipeTo(writable)      // any size, flat memory
 * ```
 */
export interface FileInfo {
  /** File name as the sender gave it. */
  name: string
  /** MIME type as the sender gave it. */
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

/**
 * A message of a chat. `id` is stable from `send` on (the sender's random_id).
 * @example
 * ```ts
 * client.on('message', (m) => console.log(m.chat.kind, m.from, m.text ?? m.file?.name, m.status))
 * ```
 */
export interface Message {
  /** Stable id: the sender's random_id (16 hex). */
  readonly id: string
  /** The chat it belongs to. */
  readonly chat: Chat
  /** Secret or cloud. */
  readonly kind: ChatKind
  /** The other user's id. */
  readonly peer: number
  /** The sender's user id. */
  readonly from: number
  /** Whether we sent it. */
  readonly out: boolean
  /** Unix ms. */
  readonly date: number
  /** The text, for a text message. */
  readonly text?: string
  /** The attached file, for a file message. */
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
  readonly error?: {
    /** The error's stable code (an ErrorCode, or a newer relay's). */
    code: string
    /** For people. */
    message: string
  }
}

/** A message's status changed. */
export interface StatusEvent {
  /** The message's id. */
  id: string
  /** Its new status. */
  status: MessageStatus
  /** For `failed`: why. */
  error?: MtChatError
}

/** The peer is typing. */
export interface TypingEvent {
  /** Who is typing (user id). */
  peer: number
  /** Unix ms. */
  date: number
}

/** Messages were deleted: by us, by the peer (for everyone), or by their self-destruct timer. */
export interface DeletedEvent {
  /** Ids of the deleted messages. */
  ids: string[]
  /** Who deleted them: us (here or on another device), the peer, or the self-destruct timer. */
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
  /** The error code that ended the chat. */
  code: string
  /** A human-readable reason. */
  reason: string
}

/** A chat's lifecycle state changed (`{ from, to, code, reason }`). */
export interface ChatStateEvent {
  /** The previous state (null when the chat was created). */
  from: string | null
  /** The new state. */
  to: string
  /** Why: an error code or a step name. */
  code: string
  /** A human-readable reason. */
  reason: string
}

/** A peer device's identity key is not the one seen before: verify the chat again. */
export interface IdentityChangedEvent {
  /** The peer's user id. */
  peer: number
  /** The device whose key changed. */
  deviceId: string
  /** The Ed25519 identity key seen before. */
  previous: Uint8Array
  /** The identity key it has now. */
  current: Uint8Array
}

/** Events of a chat. */
export interface ChatEvents {
  /** A message arrived (in order, once). */
  message: [Message]
  /** One of our messages changed status: sending → sent → delivered → read, or failed. */
  status: [StatusEvent]
  /** The peer is typing. */
  typing: [TypingEvent]
  /** Messages were deleted (by us, the peer or their timer). */
  deleted: [DeletedEvent]
  /** Secret chats: a new key is in use. */
  rekeyed: [RekeyedEvent]
  /** Secret chats: the chat ended for good (e.g. SECRET_BAD_PARITY). */
  aborted: [AbortedEvent]
  /** Secret chats: a lifecycle transition. */
  state: [ChatStateEvent]
  /** Secret chats: the peer device's identity key changed. */
  identityChanged: [IdentityChangedEvent]
  /** A problem with this chat that did not end it (e.g. a dropped envelope). */
  error: [MtChatError]
}

/** What `send` takes besides a plain string. */
export interface SendOptions {
  /** The text, 1..4096 characters. */
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
  /** Secret chats: a caption shown with the file (at most 1024 characters). */
  caption?: string
  /** The id of the message this replies to. */
  replyTo?: string
  /** Self-destruct after this many seconds once read (secret chats). */
  ttl?: number
  /** Called as encrypted chunks are uploaded. */
  onProgress?: (p: Progress) => void
  /** Cancels the upload (ABORTED). */
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

/**
 * The interface both chat kinds share.
 * @example
 * ```ts
 * const chat = client.cloudChat('bob') // or client.secretChat('bob')
 * chat.on('message', (m) => render(m))
 * chat.on('status', (s) => tick(s.id, s.status))
 * const sent = await chat.send({ text: 'Hello', replyTo: earlier.id })
 * for (const m of await chat.history({ limit: 20 })) render(m)
 * ```
 */
export interface Chat extends EventEmitter<ChatEvents> {
  /** Secret or cloud. */
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

/**
 * A secret chat: end-to-end encrypted between this device and one device of the peer. History and
 * search are local to this device; the relay only relays ciphertext.
 * @example
 * ```ts
 * const chat = client.secretChat('bob')
 * chat.on('aborted', (a) => warn(a.code)) // e.g. SECRET_BAD_PARITY: the chat is over
 * await chat.send({ text: 'for your eyes only', ttl: 30 })
 * const { safetyNumber, emoji } = await chat.verify()
 * ```
 */
export interface SecretChat extends Chat {
  /** Always `secret`. */
  readonly kind: 'secret'
  /** `new` until the first use, then the protocol state (initiating, active, rekeying, aborted, closed). */
  readonly state: string
  /** Safety number and emoji from both identity keys (§4.7). */
  verify(): Promise<Verification>
  /** Switches to a fresh key now (it also happens after 100 messages or 7 days). */
  rekey(): Promise<void>
}

/**
 * A cloud chat: stored by the relay (which can read it), synced to every session of both users.
 * @example
 * ```ts
 * const chat = client.cloudChat(42)
 * await chat.send('on every device')
 * const found = await chat.search('device')
 * ```
 */
export interface CloudChat extends Chat {
  /** Always `cloud`. */
  readonly kind: 'cloud'
}
