/**
 * mt-chat — the browser entry of the SDK (no Node built-ins). An explicit list of exports: what is
 * not named here is internal. Node users get the same API from the package's "node" condition
 * (`sdk/index.node.ts`), with file storage and the `ws` WebSocket as defaults.
 *
 * @example
 * ```ts
 * import { createClient } from 'mt-chat'
 * const client = createClient({ url, serverKey, token: () => fetch('/chat-token').then((r) => r.text()) })
 * await client.secretChat('bob').send('Hello')
 * ```
 * @module
 */
import { defaultProvider } from './crypto/default.js'
import { clientFactory, type Client, type ClientOptions } from './client.js'
import { indexedDbStorage } from './storage/indexeddb.js'

/**
 * Creates a client. It connects lazily (on first use, or `connect()`); storage defaults to
 * IndexedDB (database `mt-chat:<relay host>` — pass your own per account if one browser profile
 * signs in as several users).
 * @example
 * ```ts
 * createClient({ url: 'https://chat.example.com', serverKey, token }).secretChat('bob').send('Hello')
 * ```
 */
export const createClient: (options: ClientOptions) => Client = clientFactory({
  crypto: defaultProvider,
  storage: (o) => indexedDbStorage({ name: `mt-chat:${new URL(o.url).host}` }),
})

export { Client, type ClientOptions, type ClientEvents, type ConnectionStatus, type PresenceEvent } from './client.js'
export type {
  Chat,
  SecretChat,
  CloudChat,
  ChatKind,
  ChatEvents,
  Message,
  MessageStatus,
  FileInfo,
  FileSource,
  Progress,
  DownloadOptions,
  SendOptions,
  SendFileOptions,
  HistoryOptions,
  DeleteOptions,
  StatusEvent,
  TypingEvent,
  DeletedEvent,
  RekeyedEvent,
  AbortedEvent,
  ChatStateEvent,
  IdentityChangedEvent,
  Verification,
} from './chat/types.js'
export { signUp, signIn, signOut, fetchServerKey, type Session, type RelayUser, type SignUpOptions, type SignInOptions, type AccountOptions } from './accounts.js'
export { MtChatError, type ErrorCode, type ErrorDetails } from './errors.js'
export type { StorageAdapter, StoredValue, StorageOp, ListOptions } from './storage/types.js'
export { memoryStorage } from './storage/memory.js'
export { indexedDbStorage, type IndexedDbStorageOptions } from './storage/indexeddb.js'
export type { Transport, TransportConnection, TransportHandlers } from './transport/types.js'
export { webSocketTransport, type WebSocketConstructor, type WebSocketLike } from './transport/websocket.js'
export { pollTransport } from './transport/poll.js'
export type { ConnectionState, ConnectionStateEvent, TokenProvider } from './transport/connection.js'
export type { PeerInfo, PeerRef } from './client/peers.js'
export type { FetchLike } from './client/http.js'
