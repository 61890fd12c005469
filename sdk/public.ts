/**
 * The public API both SDK entries share (`sdk/index.ts` for browsers, `sdk/index.node.ts` for
 * Node): one explicit list, so the two entries cannot drift apart. Each entry adds its own
 * `createClient` (platform defaults) and platform-only exports. Not an entry itself.
 * @module
 */
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
