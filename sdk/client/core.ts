/**
 * The client's internals wired together: connection, sync, outbox, keys, history, secret and
 * cloud runtimes, and the chat handle registry. Implements {@link ChatContext} for the chats and
 * routes every update (docs/PROTOCOL.md §3.1) to the part that applies it. The public facade is
 * `sdk/client.ts`.
 * @module
 */
import type { ClientCrypto } from '../crypto/provider.js'
import { MtChatError } from '../errors.js'
import type { Update } from '../protocol/schemas/updates.js'
import type { StorageAdapter } from '../storage/types.js'
import { Connection, type SignInResult } from '../transport/connection.js'
import type { Transport } from '../transport/types.js'
import type { TokenProvider } from '../transport/connection.js'
import { fromBase64, toHex } from '../util/bytes.js'
import type { ChatBase } from '../chat/base.js'
import { CloudChatImpl } from '../chat/cloud.js'
import { CloudUpdates } from '../chat/cloud-updates.js'
import type { ChatContext } from '../chat/context.js'
import { History } from '../chat/history.js'
import { SecretChatImpl } from '../chat/secret.js'
import { LazySecretRuntime } from '../chat/secret-lazy.js'
import type { ChatEvents, ChatKind, IdentityChangedEvent, Message } from '../chat/types.js'
import { fileInfo, uploadFile } from '../files/index.js'
import { KeyManager } from '../keys/device.js'
import { HttpApi, type FetchLike } from './http.js'
import { Outbox } from './outbox.js'
import { Peers, directId, type PeerRef } from './peers.js'
import { S, stored, type MessageRecord, type StoredFileRef } from './stores.js'
import { Sync } from './sync.js'
import { TtlSweeper } from './ttl.js'
import { Mutex, Tx } from './tx.js'

/** What the core reports to the facade. */
export interface CoreEvents {
  error(err: MtChatError): void
  message(m: Message): void
  chat(chat: ChatBase): void
  identityChanged(e: IdentityChangedEvent): void
  presence(p: { userId: number; online: boolean; lastSeen?: number }): void
}

/** Everything the core is built from. */
export interface CoreOptions {
  url: string
  serverKey: Uint8Array
  token: TokenProvider
  storage: StorageAdapter
  provider: ClientCrypto
  transports: Transport[]
  fetch?: FetchLike
  events: CoreEvents
  now?: () => number
  /** Extra connection tuning (tests). */
  connection?: Partial<ConstructorParameters<typeof Connection>[0]>
}

interface DeviceMeta {
  userId: number
  deviceId: string
}

/** The wired client internals. */
export class Core implements ChatContext {
  readonly storage: StorageAdapter
  readonly conn: Connection
  readonly http: HttpApi
  readonly provider: ClientCrypto
  readonly peers: Peers
  readonly keys: KeyManager
  readonly history: History
  readonly outbox: Outbox
  readonly now: () => number
  readonly sync: Sync
  readonly secret: LazySecretRuntime
  readonly cloud: CloudUpdates
  readonly #events: CoreEvents
  readonly #locks = new Map<string, Mutex>()
  readonly #byRef = new Map<string, ChatBase>()
  readonly #byId = new Map<string, Set<ChatBase>>()
  readonly #waiters = new Map<string, { resolve(m: Message): void; reject(e: MtChatError): void }[]>()
  readonly #ttl: TtlSweeper
  readonly #started = new Set<string>()
  #device: DeviceMeta | undefined
  #closed = false

  constructor(o: CoreOptions) {
    this.storage = o.storage
    this.provider = o.provider
    this.now = o.now ?? Date.now
    this.#events = o.events
    let tokenCache: string | undefined
    const token = async (refresh: boolean) => {
      if (typeof o.token === 'string') return o.token
      if (tokenCache === undefined || refresh) tokenCache = await o.token({ refresh })
      return tokenCache
    }
    this.http = new HttpApi({ url: o.url, fetch: o.fetch, token })
    this.conn = new Connection({
      url: o.url,
      serverKey: o.serverKey,
      provider: o.provider,
      transports: o.transports,
      token: ({ refresh }) => token(refresh),
      deviceId: async () => (await this.#deviceMeta())?.deviceId,
      onSignedIn: (r) => this.#signedIn(r),
      onUpdates: (body) => this.sync.onPush(body.updates, body.pts),
      ...o.connection,
    })
    this.conn.on('error', (e) => this.error(e))
    this.conn.on('state', (s) => {
      if (s.to === 'online') void this.#online()
    })
    this.peers = new Peers(o.storage, this.http)
    this.keys = new KeyManager(o.provider, o.storage, this.http, this.now)
    this.history = new History(o.storage)
    this.secret = new LazySecretRuntime(this)
    this.cloud = new CloudUpdates(this)
    this.outbox = new Outbox(o.storage, this.conn, {
      sent: (e, r, tx) => (e.kind === 'cloud' ? this.cloud.sent(e, r as never, tx) : e.kind === 'secret' ? this.secret.sent(e, tx) : undefined),
      failed: (e, err, tx) => (e.kind === 'cloud' ? this.cloud.failed(e, err, tx) : e.kind === 'secret' ? this.secret.failed(e, err, tx) : this.error(err)),
      error: (e) => this.error(e),
    })
    this.sync = new Sync(o.storage, this.conn, (u, tx) => this.#apply(u, tx), (e) => this.error(e))
    this.#ttl = new TtlSweeper(o.storage, {
      lock: (k) => this.lock(k),
      now: this.now,
      error: (e) => this.error(MtChatError.is(e) ? e : new MtChatError('STORAGE_FAILED', String(e), { op: 'ttl', cause: e })),
      removed: (r) => this.emit(r.kind, r.peer, 'deleted', { ids: [r.id], by: 'ttl' }),
    })
    this.#ttl.schedule()
  }

  // --- identity --------------------------------------------------------------------------------

  async #deviceMeta(): Promise<DeviceMeta | undefined> {
    return (this.#device ??= await this.storage.get<DeviceMeta & Record<string, never>>(S.meta, 'device'))
  }

  async #signedIn(r: SignInResult): Promise<void> {
    const known = await this.#deviceMeta()
    if (known && known.userId !== r.user.id)
      throw new MtChatError('INVALID_STATE', `this storage belongs to user ${known.userId}, not ${r.user.id}: use a separate storage per account`, {
        op: 'auth.signIn',
        details: { fatal: true },
      })
    if (!known || known.deviceId !== r.device_id) {
      const meta: DeviceMeta = { userId: r.user.id, deviceId: r.device_id }
      await this.storage.set(S.meta, 'device', stored(meta))
      this.#device = meta
    }
    void this.keys.publish(r.device_id, r.prekeys.low, r.prekeys.count).catch((e) => this.error(e))
  }

  async #online(): Promise<void> {
    try {
      await this.sync.difference()
      await this.secret.maintainAll()
    } catch (err) {
      if (!MtChatError.is(err, 'CONNECTION_CLOSED')) this.error(MtChatError.is(err) ? err : new MtChatError('INTERNAL', String(err), { cause: err }))
    }
  }

  async me(): Promise<number> {
    const d = await this.#deviceMeta()
    if (d) return d.userId
    await this.conn.whenOnline()
    return (await this.#deviceMeta())!.userId
  }

  /** This device's id, once signed in before. */
  async deviceId(): Promise<string | undefined> {
    return (await this.#deviceMeta())?.deviceId
  }

  // --- updates ---------------------------------------------------------------------------------

  async #apply(u: Update, tx: Tx): Promise<void> {
    switch (u._) {
      case 'update.message':
        return this.cloud.message(u, tx)
      case 'update.secret':
        return this.secret.envelope(u.envelope, tx)
      case 'update.secretEphemeral':
        return this.secret.ephemeral(u.envelope)
      case 'update.status':
        if (u.chat_id && u.random_id) return this.secret.delivered(u.random_id, tx)
        return this.cloud.status(u, tx)
      case 'update.deleted':
        return this.cloud.deleted(u, tx)
      case 'update.chatDeleted':
        return this.cloud.chatDeleted(u, tx)
      case 'update.typing':
        return this.cloud.typing(u)
      case 'update.presence':
        this.#events.presence({ userId: u.user_id, online: u.online, ...(u.last_seen !== undefined ? { lastSeen: u.last_seen } : {}) })
        return
      case 'update.prekeysLow': {
        const id = await this.deviceId()
        if (id) void this.keys.publish(id, true, u.count).catch((e) => this.error(e))
        return
      }
      case 'update.identity':
        return this.#identityUpdate(u.user_id, u.device_id, tx)
    }
  }

  /** A peer published a new identity key: compare with what we recorded (never accepted silently). */
  async #identityUpdate(userId: number, deviceId: string, tx: Tx): Promise<void> {
    if (userId === (await this.#deviceMeta())?.userId) return
    const known = (await this.keys.knownDevices(userId)).find((d) => d.deviceId === deviceId)
    if (!known) return // never talked to that device: nothing to compare with
    const r = await this.http.request<{ devices: { device_id: string; identity_key: string }[] }>('GET', `/v1/keys/${userId}/devices`)
    const dev = r.devices.find((d) => d.device_id === deviceId)
    if (!dev) return
    const key = fromBase64(dev.identity_key)
    const check = await this.keys.checkIdentity(userId, deviceId, key, tx)
    if (check.kind === 'changed') {
      const e = { peer: userId, deviceId, previous: check.previous, current: key }
      tx.after(() => this.identityChanged(e))
    }
  }

  // --- ChatContext -----------------------------------------------------------------------------

  lock(key: string): Mutex {
    let m = this.#locks.get(key)
    if (!m) this.#locks.set(key, (m = new Mutex()))
    return m
  }

  randomId(): string {
    return toHex(this.provider.randomBytes(8))
  }

  fileInfo(ref: StoredFileRef) {
    return fileInfo(this.provider, this.http, ref)
  }

  upload: ChatContext['upload'] = (source, opts) => uploadFile(this.provider, this.http, source, opts)

  toMessage(r: MessageRecord): Message {
    const { readByMe: _r, serverId: _s, chatId: _c, file, ...pub } = r
    return { ...pub, chat: this.handle(r.kind, r.peer) as unknown as Message['chat'], ...(file ? { file: this.fileInfo(file) } : {}) }
  }

  emit<E extends keyof ChatEvents>(kind: ChatKind, peer: number, event: E, ...args: ChatEvents[E]): void {
    const handles = this.#handlesOf(kind, peer)
    for (const h of handles) (h.emit as (e: E, ...a: ChatEvents[E]) => boolean)(event, ...args)
    if (event === 'message') this.#events.message(args[0] as Message)
  }

  error(err: MtChatError): void {
    if (!this.#closed) this.#events.error(err) // background work cut short by close() is not an error
  }

  identityChanged(e: IdentityChangedEvent): void {
    for (const h of this.#handlesOf('secret', e.peer)) h.emit('identityChanged', e)
    this.#events.identityChanged(e)
  }

  chatStarted(kind: ChatKind, peer: number): void {
    // A cloud chat "starts" with its first incoming message seen by this client; a secret chat
    // each time the peer starts a new one (e.g. from a new device).
    const key = `${kind}:${peer}`
    if (kind === 'cloud' && this.#started.has(key)) return
    this.#started.add(key)
    this.#events.chat(this.handle(kind, peer))
  }

  waitSent(id: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(id) ?? []
      list.push({ resolve, reject })
      this.#waiters.set(id, list)
    })
  }

  settle(id: string, result: { message: Message } | { error: MtChatError }): void {
    const list = this.#waiters.get(id)
    if (!list) return
    this.#waiters.delete(id)
    for (const w of list) 'message' in result ? w.resolve(result.message) : w.reject(result.error)
  }

  scheduleTtl(): void {
    this.#ttl.schedule()
  }

  // --- handles ---------------------------------------------------------------------------------

  /** The handle for `ref` (the same object for the same kind and name). */
  handle(kind: ChatKind, ref: PeerRef): ChatBase {
    const key = `${kind}:${String(ref).toLowerCase()}`
    let h = this.#byRef.get(key)
    if (h) return h
    if (kind === 'secret') this.secret.prefetch() // its code arrives while the client connects
    h = kind === 'secret' ? new SecretChatImpl(this, ref, this.secret) : new CloudChatImpl(this, ref)
    this.#byRef.set(key, h)
    const id = directId(ref)
    if (id !== undefined) this.bind(h, id)
    // Resolve a username early, so incoming events find this handle (peerId() binds it; a
    // failure here, e.g. no such user yet, is retried on the handle's next use).
    else h.peerId().catch(() => undefined)
    return h
  }

  bind(h: ChatBase, id: number): void {
    const kind = h.kind
    const key = `${kind}:${id}`
    let set = this.#byId.get(key)
    if (!set) this.#byId.set(key, (set = new Set()))
    set.add(h)
  }

  #handlesOf(kind: ChatKind, peer: number): ChatBase[] {
    const set = this.#byId.get(`${kind}:${peer}`)
    if (set && set.size) return [...set]
    return [this.handle(kind, peer)]
  }

  /** Stops timers and the connection; closes storage when `closeStorage`. */
  async close(closeStorage: boolean): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.conn.dispose('client closed') // a send or sync finishing below must not reconnect
    this.outbox.stop()
    this.secret.stop()
    this.#ttl.stop()
    for (const [id, list] of this.#waiters) for (const w of list) w.reject(new MtChatError('CONNECTION_CLOSED', 'the client was closed; the message stays in the outbox', { op: 'chat.send', details: { id } }))
    this.#waiters.clear()
    // Let in-flight chat work finish before the storage goes away.
    await Promise.all([...this.#locks.values()].map((m) => m.run(() => undefined)))
    if (closeStorage) await this.storage.close()
  }
}
