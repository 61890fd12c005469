/**
 * The SDK client (DESIGN.md "SDK surface"): `createClient(options)` returns at once and connects
 * lazily; `secretChat(peer)` / `cloudChat(peer)` return chat handles synchronously, so
 * `createClient(opts).secretChat('bob').send('Hello')` works as written. Events: `connection`
 * (connecting | online | offline), `state` (every transition of the connection state machine),
 * `error`, `presence`, `chat` (a peer started a chat), `message` (any incoming message, with
 * `m.chat`), `identityChanged`.
 *
 * This file is the facade; the machinery is in `client/` (connection wiring, sync, outbox, ttl),
 * `chat/`, `keys/`, `files/` and `transport/`.
 * @module
 */
import { EventEmitter } from 'eventemitter3'
import type { ClientCrypto, CryptoProvider } from './crypto/provider.js'
import { clientCryptoOf } from './crypto/client-crypto.js'
import { MtChatError } from './errors.js'
import type { StorageAdapter } from './storage/types.js'
import type { ConnectionState, ConnectionStateEvent, TokenProvider } from './transport/connection.js'
import type { Transport } from './transport/types.js'
import { pollTransport } from './transport/poll.js'
import { webSocketTransport, type WebSocketConstructor } from './transport/websocket.js'
import { fromBase64 } from './util/bytes.js'
import type { FetchLike } from './client/http.js'
import { Core } from './client/core.js'
import { checkPeerRef, type PeerInfo, type PeerRef } from './client/peers.js'
import type { Chat, CloudChat, IdentityChangedEvent, Message, SecretChat } from './chat/types.js'

/** The coarse connection status of the `connection` event. */
export type ConnectionStatus = 'connecting' | 'online' | 'offline'

/** A user's presence. */
export interface PresenceEvent {
  /** The user's id. */
  userId: number
  /** Whether the user has a connected device. */
  online: boolean
  /** Unix ms. */
  lastSeen?: number
}

/** Events of a {@link Client}. */
export interface ClientEvents {
  /** The coarse connection status changed. */
  connection: [ConnectionStatus]
  /** Every transition of the connection state machine `{ from, to, code, reason }`. */
  state: [ConnectionStateEvent]
  /** Something failed in the background (a refused frame, a storage error, a failed key upload). */
  error: [MtChatError]
  /** A watched user went online or offline (see `watchPresence`). */
  presence: [PresenceEvent]
  /** A peer started a chat with us, or the first message of a chat arrived. */
  chat: [Chat]
  /** Any incoming message, of any chat; `m.chat` is its chat. */
  message: [Message]
  /** A peer device's identity key is not the one seen before. */
  identityChanged: [IdentityChangedEvent]
}

/**
 * Options of `createClient`.
 * @example
 * ```ts
 * createClient({
 *   url: 'https://chat.example.com',
 *   serverKey: 'wEwwDXi+QG+3VPlkb5+IRxZ9oF/fJ1SKBf/5cfr6XcQ=',
 *   token: ({ refresh }) => fetch('/chat-token' + (refresh ? '?fresh=1' : '')).then((r) => r.text()),
 *   storage: indexedDbStorage({ name: 'mt-chat:' + userId }),
 * })
 * ```
 */
export interface ClientOptions {
  /** The relay's base URL, e.g. `https://chat.example.com`. */
  url: string
  /** The relay's Ed25519 public key (base64 or 32 bytes), pinned: a relay without it is refused. */
  serverKey: string | Uint8Array
  /**
   * The session token (from `signIn`/`signUp`, or a JWT your backend signs), or a function that
   * returns one; it is asked again with `{ refresh: true }` when the relay refuses the last one.
   */
  token: TokenProvider
  /** Where keys, chats, history and the outbox live (default: IndexedDB in browsers, files in Node). */
  storage?: StorageAdapter
  /** The WebSocket class (default: the global one; pass the `ws` package in Node). */
  WebSocket?: WebSocketConstructor
  /** The fetch function (default: the global one). */
  fetch?: FetchLike
  /** Replaces the default transports (WebSocket, then HTTP long-polling). */
  transport?: Transport | Transport[]
  /**
   * A synchronous crypto backend to run everything on (default: the platform's — node:crypto in
   * Node; in browsers WebCrypto for the curves, noble loaded only where it is needed).
   */
  crypto?: CryptoProvider
}

/** What each entry point (browser, Node) fills in. */
export interface PlatformDefaults {
  crypto(): ClientCrypto
  storage(o: ClientOptions): StorageAdapter
}

function serverKeyBytes(k: unknown): Uint8Array {
  const bytes = typeof k === 'string' ? fromBase64(k.trim()) : k
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32)
    throw new MtChatError('INVALID_ARGUMENT', '"serverKey" expected the relay\'s 32-byte Ed25519 key (base64 or bytes)', { op: 'createClient' })
  return bytes
}

function statusOf(s: ConnectionState): ConnectionStatus {
  return s === 'online' ? 'online' : s === 'connecting' || s === 'handshaking' || s === 'signing-in' ? 'connecting' : 'offline'
}

/**
 * An mt-chat client for one account on one device. Create it with `createClient`.
 * @example
 * ```ts
 * const client = createClient({ url, serverKey, token })
 * client.on('message', (m) => console.log(m.chat.peer, m.text))
 * await client.secretChat('bob').send('Hello')
 * ```
 */
export class Client extends EventEmitter<ClientEvents> {
  readonly #core: Core
  #status: ConnectionStatus = 'offline'

  /** @internal Use `createClient`. */
  constructor(o: ClientOptions, defaults: PlatformDefaults) {
    super()
    if (!o || typeof o.url !== 'string' || !/^(https?|wss?):\/\//.test(o.url))
      throw new MtChatError('INVALID_ARGUMENT', '"url" expected the relay\'s http(s) URL', { op: 'createClient' })
    if (typeof o.token !== 'string' && typeof o.token !== 'function')
      throw new MtChatError('INVALID_ARGUMENT', '"token" expected a string or a function returning one', { op: 'createClient' })
    const transports = o.transport ? (Array.isArray(o.transport) ? o.transport : [o.transport]) : [webSocketTransport(o.WebSocket), pollTransport(o.fetch)]
    this.#core = new Core({
      url: o.url,
      serverKey: serverKeyBytes(o.serverKey),
      token: o.token,
      storage: o.storage ?? defaults.storage(o),
      provider: o.crypto ? clientCryptoOf(o.crypto) : defaults.crypto(),
      transports,
      fetch: o.fetch,
      events: {
        error: (e) => this.emit('error', e),
        message: (m) => this.emit('message', m),
        chat: (c) => this.emit('chat', c as unknown as Chat),
        identityChanged: (e) => this.emit('identityChanged', e),
        presence: (p) => this.emit('presence', p),
      },
    })
    this.#core.conn.on('state', (s) => {
      this.emit('state', s)
      const status = statusOf(s.to)
      if (status !== this.#status) {
        this.#status = status
        this.emit('connection', status)
      }
    })
  }

  /** connecting | online | offline. */
  get connection(): ConnectionStatus {
    return this.#status
  }

  /** The detailed connection state (idle, connecting, handshaking, signing-in, online, offline, closed). */
  get state(): ConnectionState {
    return this.#core.conn.state
  }

  /** The storage this client runs on. */
  get storage(): StorageAdapter {
    return this.#core.storage
  }

  /**
   * Connects now and resolves once online (optional: everything connects on first use). Rejects
   * with HANDSHAKE_BAD_SIGNATURE (wrong relay key), UNAUTHORIZED (token refused), … .
   */
  async connect(): Promise<void> {
    this.#core.conn.start()
    await this.#core.conn.whenOnline()
  }

  /** Disconnects (the outbox keeps what is unsent); a later call reconnects. */
  async disconnect(): Promise<void> {
    this.#core.conn.stop('disconnected by the application')
  }

  /** Disconnects for good and closes the storage: nothing reconnects afterwards (`connect()` rejects with CONNECTION_CLOSED). */
  async close(): Promise<void> {
    await this.#core.close(true)
  }

  /**
   * The secret chat with `peer` (username or user id) on this device: returned at once; the key
   * exchange happens on first use.
   */
  secretChat(peer: PeerRef): SecretChat {
    checkPeerRef(peer)
    return this.#core.handle('secret', peer) as unknown as SecretChat
  }

  /** The cloud chat with `peer` (username or user id), stored by the relay and synced everywhere. */
  cloudChat(peer: PeerRef): CloudChat {
    checkPeerRef(peer)
    return this.#core.handle('cloud', peer) as unknown as CloudChat
  }

  /**
   * Our own user id and device id (connects if this device never signed in). A device id names
   * this storage's keys on the relay; a secret chat belongs to one device pair.
   */
  async me(): Promise<{
    /** Our user id. */
    userId: number
    /** This device's id on the relay. */
    deviceId: string
  }> {
    const userId = await this.#core.me()
    return { userId, deviceId: (await this.#core.deviceId())! }
  }

  /** A user as the relay shows it (username, display name, presence). */
  user(peer: PeerRef): Promise<PeerInfo> {
    checkPeerRef(peer)
    return this.#core.peers.fetch(peer)
  }

  /** Users whose name matches `query` (relay search). */
  async searchUsers(query: string): Promise<PeerInfo[]> {
    const r = await this.#core.http.request<{ users: PeerInfo[] }>('GET', `/v1/users?q=${encodeURIComponent(query)}`)
    return r.users
  }

  /** Subscribes to presence of `peers` (`presence` events follow) and returns their current state. */
  async watchPresence(peers: PeerRef[]): Promise<PresenceEvent[]> {
    const ids = await Promise.all(peers.map((p) => this.#core.peers.resolveId(p)))
    const r = await this.#core.conn.call('presence.subscribe', { users: ids })
    return r.statuses.map((s) => ({ userId: s.user_id, online: s.online, ...(s.last_seen !== undefined ? { lastSeen: s.last_seen } : {}) }))
  }

  /** Messages waiting in the outbox (sent once online), oldest first. */
  async pending(): Promise<number> {
    return (await this.#core.outbox.pending()).length
  }
}

/** Builds `createClient` for a platform's defaults. */
export function clientFactory(defaults: PlatformDefaults): (options: ClientOptions) => Client {
  return (options) => new Client(options, defaults)
}
