/**
 * What a chat handle needs from its client, as one internal interface (so chats do not import the
 * client and tests can see the seams): storage and the services built on it, the connection, the
 * signed-in identity, per-peer locks, and event fan-out to every handle of a chat.
 * @module
 */
import type { ClientCrypto } from '../crypto/provider.js'
import type { MtChatError } from '../errors.js'
import type { StorageAdapter } from '../storage/types.js'
import type { Connection } from '../transport/connection.js'
import type { HttpApi } from '../client/http.js'
import type { Outbox } from '../client/outbox.js'
import type { Peers } from '../client/peers.js'
import type { MessageRecord, StoredFileRef } from '../client/stores.js'
import type { Mutex } from '../client/tx.js'
import type { KeyManager } from '../keys/device.js'
import type { History } from './history.js'
import type { ChatEvents, ChatKind, FileInfo, IdentityChangedEvent, Message, Progress } from './types.js'

/** Uploads a file and returns its FileRef (implemented in sdk/files). */
export type Uploader = (
  source: import('./types.js').FileSource,
  opts: { name: string; mime: string; size?: number; onProgress?: (p: Progress) => void; signal?: AbortSignal },
) => Promise<StoredFileRef>

/** The client internals a chat uses. */
export interface ChatContext {
  readonly storage: StorageAdapter
  readonly conn: Connection
  readonly http: HttpApi
  readonly provider: ClientCrypto
  readonly peers: Peers
  readonly keys: KeyManager
  readonly history: History
  readonly outbox: Outbox
  readonly now: () => number
  /** Our user id (waits for the first sign-in when never signed in before). */
  me(): Promise<number>
  /** The lock serializing all work on one chat (`secret:<peer>` / `cloud:<peer>`). */
  lock(key: string): Mutex
  /** A 16-hex random id. */
  randomId(): string
  /** The public form of a record. */
  toMessage(record: MessageRecord): Message
  /** A FileInfo for a stored FileRef. */
  fileInfo(ref: StoredFileRef): FileInfo
  /** Encrypts and uploads a file. */
  upload: Uploader
  /** Emits on every handle of the chat (and the client-level `message` / `identityChanged`). */
  emit<E extends keyof ChatEvents>(kind: ChatKind, peer: number, event: E, ...args: ChatEvents[E]): void
  /** Reports an error on the client's `error` event. */
  error(err: MtChatError): void
  /** A peer device's identity key changed. */
  identityChanged(e: IdentityChangedEvent): void
  /** A peer started a chat with us. */
  chatStarted(kind: ChatKind, peer: number): void
  /** Resolves when the message with this id was stored by the relay (or rejects when it failed). */
  waitSent(id: string): Promise<Message>
  /** Settles the waiters of `id`. */
  settle(id: string, result: { message: Message } | { error: MtChatError }): void
  /** Schedules the self-destruct of a record. */
  scheduleTtl(): void
  /** A handle learned its peer's id: route that peer's events to it. */
  bind(handle: import('./base.js').ChatBase, peer: number): void
}
