/**
 * Secret chats at run time (docs/PROTOCOL.md §4): one `SecretChatSession` per chat id, loaded
 * from storage on first use and written back after every change in the same batch as the outbox
 * and history writes it goes with. All work on one peer's chats runs under that peer's lock, so
 * a send and an incoming envelope never interleave. A peer has one active chat (the one `send`
 * uses); older ones still decrypt what was in flight.
 *
 * Starting: `GET /v1/keys/:peer` (one one-time prekey consumed), the peer's identity key checked
 * against what was seen before, `SecretChatSession.initiate`. Joining: the first envelope of an
 * unknown chat id that carries `init`, with `SecretChatSession.accept` and our used one-time prekey
 * deleted in the same batch.
 * @module
 */
import type { CryptoProvider } from '../crypto/provider.js'
import { MtChatError } from '../errors.js'
import { SecretChatSession, verifyPeerBundle, type OutgoingMessage, type SecretOutcome } from '../protocol/secret/index.js'
import type { RelayedEnvelope, RelayedEphemeralEnvelope } from '../protocol/schemas/updates.js'
import { S, stored, type MessageRecord, type OutboxEntry, type SecretRecord } from '../client/stores.js'
import { Tx } from '../client/tx.js'
import { startTtl } from '../client/ttl.js'
import { lazy } from '../util/lazy.js'
import type { ChatContext } from './context.js'
import { applyOutcomes, queueEnvelope } from './secret-outcomes.js'
import type { Message, Verification } from './types.js'

/** A chat in memory: its stored record and its live session. */
export interface Loaded {
  record: SecretRecord
  session: SecretChatSession
}

/** The verification codes (2 × 5200 SHA-512 and the emoji table), loaded when a user asks. */
const fingerprint = lazy('verification', () => import('../crypto/fingerprint.js'))

/** Delay before `maintain()` runs after activity (acks, resend requests, due re-keys). */
const MAINTAIN_DELAY_MS = 1000

/** Runs every secret chat of this device. */
export class SecretRuntime {
  readonly #ctx: ChatContext
  /** The complete synchronous provider of the layer-2 protocol. */
  readonly #p: CryptoProvider
  readonly #cache = new Map<string, Loaded>()
  readonly #activeOf = new Map<number, string>()
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()
  #stopped = false

  constructor(ctx: ChatContext, crypto: CryptoProvider) {
    this.#ctx = ctx
    this.#p = crypto
  }

  #opts() {
    return { provider: this.#p, now: this.#ctx.now }
  }

  #lock(peer: number) {
    return this.#ctx.lock(`secret:${peer}`)
  }

  /** The protocol state of the active chat with `peer`, if loaded (`new` when there is none yet). */
  stateOf(peer: number | undefined): string {
    const id = peer === undefined ? undefined : this.#activeOf.get(peer)
    return (id && this.#cache.get(id)?.session.state) || 'new'
  }

  async #load(chatId: string): Promise<Loaded | undefined> {
    const hit = this.#cache.get(chatId)
    if (hit) return hit
    const record = await this.#ctx.storage.get<SecretRecord & Record<string, never>>(S.secret, chatId)
    if (!record) return undefined
    const loaded = { record, session: SecretChatSession.fromJSON(record.session, this.#opts()) }
    this.#cache.set(chatId, loaded)
    return loaded
  }

  async #active(peer: number): Promise<Loaded | undefined> {
    const id = this.#activeOf.get(peer) ?? (await this.#ctx.storage.get<string>(S.chats, `secret:${peer}`))
    if (!id) return undefined
    this.#activeOf.set(peer, id)
    return this.#load(id)
  }

  #save(tx: Tx, l: Loaded): void {
    l.record = { ...l.record, session: l.session.toJSON() }
    tx.set(S.secret, l.record.chatId, stored(l.record))
  }

  /** Commits; on failure the in-memory sessions are dropped so the next use reloads stored state. */
  async #commit(tx: Tx, ...chats: Loaded[]): Promise<void> {
    try {
      await tx.commit(this.#ctx.storage)
    } catch (err) {
      for (const c of chats) this.#cache.delete(c.record.chatId)
      throw err
    }
  }

  #setActive(tx: Tx, peer: number, chatId: string): void {
    tx.set(S.chats, `secret:${peer}`, chatId)
    tx.after(() => this.#activeOf.set(peer, chatId))
  }

  /** Starts a chat with `peer` from its published bundle (call under the peer's lock). */
  async #initiate(peer: number): Promise<Loaded> {
    const ctx = this.#ctx
    const raw = await ctx.http.request<unknown>('GET', `/v1/keys/${peer}`)
    const bundle = verifyPeerBundle(this.#p, raw)
    if (bundle.user_id !== peer) throw new MtChatError('SECRET_BAD_BUNDLE', 'the bundle is for another user', { op: 'secret.initiate' })
    const identity = await ctx.keys.keys()
    const { session, chatId, outcomes } = SecretChatSession.initiate({ ...this.#opts(), identity, bundle: raw })
    const tx = new Tx()
    await this.#checkIdentity(tx, peer, bundle.device_id, bundle.identity_key)
    const l: Loaded = { record: { chatId, peer, peerDevice: bundle.device_id, session: session.toJSON(), createdAt: ctx.now() }, session }
    await applyOutcomes(ctx, tx, l.record, outcomes, ctx.now())
    this.#save(tx, l)
    this.#setActive(tx, peer, chatId)
    this.#cache.set(chatId, l)
    await this.#commit(tx, l)
    return l
  }

  async #checkIdentity(tx: Tx, peer: number, deviceId: string, key: Uint8Array): Promise<void> {
    const r = await this.#ctx.keys.checkIdentity(peer, deviceId, key, tx)
    if (r.kind === 'changed') {
      const e = { peer, deviceId, previous: r.previous, current: key.slice() }
      tx.after(() => this.#ctx.identityChanged(e))
    }
  }

  /** The active chat with `peer`, started now if there is none (call under the lock). */
  async #ready(peer: number, op: string): Promise<Loaded> {
    const l = (await this.#active(peer)) ?? (await this.#initiate(peer))
    if (l.session.state === 'aborted') throw new MtChatError('SECRET_ABORTED', 'this secret chat was aborted; start a new one', { op })
    if (l.session.state === 'closed') throw new MtChatError('INVALID_STATE', 'this secret chat is closed', { op })
    return l
  }

  /** Encrypts and queues a message; resolves once the relay stored it. */
  async send(peer: number, message: OutgoingMessage, extra: Partial<MessageRecord> = {}): Promise<Message> {
    const ctx = this.#ctx
    const me = await ctx.me()
    const { sent } = await this.#lock(peer).run(async () => {
      const l = await this.#ready(peer, 'chat.send')
      const env = l.session.encrypt(message)
      const tx = new Tx()
      const key = await ctx.history.nextSecretKey(peer)
      const m = message as { _: string; text?: string; reply_to?: string; ttl?: number; file?: MessageRecord['file']; caption?: string }
      const rec: MessageRecord = {
        id: env.randomId,
        kind: 'secret',
        peer,
        from: me,
        out: true,
        date: ctx.now(),
        status: 'sending',
        chatId: l.record.chatId,
        ...(m.text !== undefined ? { text: m.text } : {}),
        ...(m.file ? { file: m.file, ...(m.caption ? { caption: m.caption } : {}) } : {}),
        ...(m.reply_to ? { replyTo: m.reply_to } : {}),
        ...(m.ttl ? { ttl: m.ttl } : {}),
        ...extra,
      }
      ctx.history.put(tx, key, rec)
      await queueEnvelope(ctx, tx, l.record, env, key, m.file ? [m.file.file_id] : [])
      await applyOutcomes(ctx, tx, l.record, l.session.maintain(), ctx.now())
      this.#save(tx, l)
      const sent = ctx.waitSent(rec.id)
      tx.after(() => ctx.emit('secret', peer, 'status', { id: rec.id, status: 'sending' }))
      await this.#commit(tx, l)
      return { sent }
    })
    return sent
  }

  /** Encrypts a service action of the user (read, delete, flush) and queues it. */
  async #action(l: Loaded, tx: Tx, action: Extract<OutgoingMessage, { _: 'service' }>['action']): Promise<void> {
    const env = l.session.encrypt({ _: 'service', action })
    await queueEnvelope(this.#ctx, tx, l.record, env)
  }

  async typing(peer: number): Promise<void> {
    const ctx = this.#ctx
    if (ctx.conn.state !== 'online') return
    const l = await this.#active(peer)
    if (!l || (l.session.state !== 'active' && l.session.state !== 'initiating' && l.session.state !== 'rekeying')) return
    const env = l.session.encryptEphemeral()
    await ctx.conn.call(
      'messages.sendSecret',
      { peer, device_id: l.record.peerDevice, chat_id: l.record.chatId, random_id: env.randomId, data: env.data, ephemeral: true, ...(env.init ? { init: env.init } : {}) },
      { waitOnline: false },
    )
  }

  async markRead(peer: number, upTo?: string): Promise<void> {
    const ctx = this.#ctx
    await this.#lock(peer).run(async () => {
      const all = await ctx.history.all('secret', peer)
      const limitKey = upTo ? all.find((l) => l.record.id === upTo)?.key : undefined
      if (upTo && !limitKey) throw new MtChatError('NOT_FOUND', `no message ${upTo} in this chat`, { op: 'chat.markRead' })
      const unread = all.filter((l) => !l.record.out && !l.record.readByMe && (!limitKey || l.key <= limitKey))
      if (unread.length === 0) return
      const l = await this.#ready(peer, 'chat.markRead')
      const tx = new Tx()
      for (const u of unread) {
        const rec: MessageRecord = { ...u.record, readByMe: true, status: 'read' }
        startTtl(tx, u.key, rec, ctx.now()) // our copy self-destructs once we have read it
        ctx.history.put(tx, u.key, rec)
      }
      for (let i = 0; i < unread.length; i += 1000) await this.#action(l, tx, { _: 'readMessages', random_ids: unread.slice(i, i + 1000).map((u) => u.record.id) })
      this.#save(tx, l)
      tx.after(() => ctx.scheduleTtl())
      await this.#commit(tx, l)
    })
  }

  async delete(peer: number, ids: string[], forEveryone: boolean): Promise<void> {
    const ctx = this.#ctx
    await this.#lock(peer).run(async () => {
      const tx = new Tx()
      const found: string[] = []
      for (const id of ids) {
        const hit = await ctx.history.get(id)
        if (!hit || hit.record.peer !== peer || hit.record.kind !== 'secret') throw new MtChatError('NOT_FOUND', `no message ${id} in this chat`, { op: 'chat.delete' })
        ctx.history.remove(tx, hit.key, id)
        found.push(id)
      }
      const l = forEveryone ? await this.#ready(peer, 'chat.delete') : undefined
      if (l) {
        await this.#action(l, tx, { _: 'deleteMessages', random_ids: found })
        this.#save(tx, l)
      }
      tx.after(() => ctx.emit('secret', peer, 'deleted', { ids: found, by: 'me' }))
      await this.#commit(tx, ...(l ? [l] : []))
    })
  }

  async clear(peer: number, forEveryone: boolean): Promise<void> {
    const ctx = this.#ctx
    await this.#lock(peer).run(async () => {
      const all = await ctx.history.all('secret', peer)
      const tx = new Tx()
      for (const h of all) ctx.history.remove(tx, h.key, h.record.id)
      const l = forEveryone ? await this.#ready(peer, 'chat.clear') : undefined
      if (l) {
        await this.#action(l, tx, { _: 'flushHistory' })
        this.#save(tx, l)
      }
      tx.after(() => ctx.emit('secret', peer, 'deleted', { ids: all.map((h) => h.record.id), by: 'me', all: true }))
      await this.#commit(tx, ...(l ? [l] : []))
    })
  }

  async rekey(peer: number): Promise<void> {
    await this.#lock(peer).run(async () => {
      const l = await this.#ready(peer, 'chat.rekey')
      const tx = new Tx()
      await applyOutcomes(this.#ctx, tx, l.record, l.session.rekey(), this.#ctx.now())
      this.#save(tx, l)
      await this.#commit(tx, l)
    })
  }

  async verify(peer: number): Promise<Verification> {
    const l = await this.#lock(peer).run(() => this.#ready(peer, 'chat.verify'))
    const keys = l.session.identityKeys()
    const { verificationCode } = await fingerprint()
    const code = verificationCode(this.#p, keys.ownIdentityKey, keys.peerIdentityKey)
    return { safetyNumber: code.safetyNumber.replace(/(\d{5})(?=\d)/g, '$1 '), emoji: code.emoji.join('') }
  }

  // --- incoming --------------------------------------------------------------------------------

  /** An `update.secret` envelope for this device (commits `tx` under the peer's lock). */
  async envelope(env: RelayedEnvelope, tx: Tx): Promise<void> {
    await this.#lock(env.from).run(async () => {
      let l = await this.#load(env.chat_id)
      if (l && (l.record.peer !== env.from || l.record.peerDevice !== env.from_device))
        throw new MtChatError('SECRET_BAD_ENVELOPE', 'an envelope for this chat came from another device', { op: 'secret.envelope', details: { chatId: env.chat_id } })
      let outcomes: SecretOutcome[]
      if (!l) {
        if (!env.init) throw new MtChatError('SECRET_BAD_FINGERPRINT', 'an envelope of an unknown chat without init', { op: 'secret.envelope', details: { chatId: env.chat_id } })
        const joined = await this.#accept(env, tx)
        l = joined.l
        outcomes = joined.outcomes
      } else outcomes = l.session.decrypt({ randomId: env.random_id, data: env.data, ...(env.init ? { init: env.init } : {}) })
      await applyOutcomes(this.#ctx, tx, l.record, outcomes, env.date)
      this.#save(tx, l)
      await this.#commit(tx, l)
      this.#scheduleMaintain(l.record.peer, l.record.chatId)
    })
  }

  async #accept(env: RelayedEnvelope, tx: Tx): Promise<{ l: Loaded; outcomes: SecretOutcome[] }> {
    const ctx = this.#ctx
    const identity = await ctx.keys.keys()
    const { session, outcomes } = SecretChatSession.accept({
      ...this.#opts(),
      identity,
      chatId: env.chat_id,
      envelope: { randomId: env.random_id, data: env.data, init: env.init },
    })
    await ctx.keys.save(tx) // the used one-time prekey is gone for good
    await this.#checkIdentity(tx, env.from, env.from_device, env.init!.identity_key)
    const l: Loaded = { record: { chatId: env.chat_id, peer: env.from, peerDevice: env.from_device, session: session.toJSON(), createdAt: ctx.now() }, session }
    this.#cache.set(env.chat_id, l)
    // Both sides starting at once: each keeps the chat with the smaller id, so they converge.
    const current = await this.#active(env.from)
    const keepCurrent = current && current.session.state === 'initiating' && current.record.chatId < env.chat_id
    if (!keepCurrent) this.#setActive(tx, env.from, env.chat_id)
    tx.after(() => ctx.chatStarted('secret', env.from))
    return { l, outcomes }
  }

  /** An ephemeral envelope (typing): decrypted, never stored. */
  async ephemeral(env: RelayedEphemeralEnvelope): Promise<void> {
    await this.#lock(env.from).run(async () => {
      const l = await this.#load(env.chat_id)
      if (!l || l.record.peer !== env.from) return
      const tx = new Tx()
      await applyOutcomes(this.#ctx, tx, l.record, l.session.decrypt({ randomId: env.random_id, data: env.data }), env.date)
      await tx.commit(this.#ctx.storage) // events only: an ephemeral payload changes no state
    })
  }

  #scheduleMaintain(peer: number, chatId: string): void {
    if (this.#stopped) return // an envelope that finished while the client closed
    clearTimeout(this.#timers.get(chatId))
    this.#timers.set(
      chatId,
      setTimeout(() => {
        this.#timers.delete(chatId)
        void this.maintain(peer, chatId).catch((err) => this.#ctx.error(err))
      }, MAINTAIN_DELAY_MS),
    )
  }

  /** Acks, resend requests and due re-keys of one chat (§4.4, §4.6). */
  async maintain(peer: number, chatId: string): Promise<void> {
    await this.#lock(peer).run(async () => {
      const l = await this.#load(chatId)
      if (!l) return
      const outcomes = l.session.maintain()
      if (outcomes.length === 0) return
      const tx = new Tx()
      await applyOutcomes(this.#ctx, tx, l.record, outcomes, this.#ctx.now())
      this.#save(tx, l)
      await this.#commit(tx, l)
    })
  }

  /** Runs {@link SecretRuntime.maintain} on every chat in memory (after a sync). */
  async maintainAll(): Promise<void> {
    for (const l of [...this.#cache.values()]) await this.maintain(l.record.peer, l.record.chatId)
  }

  // --- outbox answers --------------------------------------------------------------------------

  async sent(entry: Extract<OutboxEntry, { kind: 'secret' }>, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    if (!entry.historyKey) return
    const rec = await ctx.storage.get<MessageRecord & Record<string, never>>(S.history, entry.historyKey)
    if (!rec) return
    const next: MessageRecord = rec.status === 'sending' || rec.status === 'failed' ? { ...rec, status: 'sent' } : rec
    if (next !== rec) ctx.history.put(tx, entry.historyKey, next)
    tx.after(() => {
      if (next !== rec) ctx.emit('secret', rec.peer, 'status', { id: rec.id, status: 'sent' })
      ctx.settle(rec.id, { message: ctx.toMessage(next) })
    })
  }

  async failed(entry: Extract<OutboxEntry, { kind: 'secret' }>, error: MtChatError, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const rec = entry.historyKey ? await ctx.storage.get<MessageRecord & Record<string, never>>(S.history, entry.historyKey) : undefined
    if (rec) ctx.history.put(tx, entry.historyKey!, { ...rec, status: 'failed', error: { code: error.code, message: error.message } })
    tx.after(() => {
      if (rec) ctx.emit('secret', rec.peer, 'status', { id: rec.id, status: 'failed', error })
      else ctx.error(error)
      ctx.settle(entry.id, { error })
    })
  }

  /** A receipt from the relay: the peer's device got the envelope (✔✔). */
  async delivered(randomId: string, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const found = await ctx.history.get(randomId)
    if (!found || !found.record.out || found.record.kind !== 'secret') return
    if (found.record.status !== 'sending' && found.record.status !== 'sent') return
    ctx.history.put(tx, found.key, { ...found.record, status: 'delivered' })
    tx.after(() => ctx.emit('secret', found.record.peer, 'status', { id: randomId, status: 'delivered' }))
  }

  /** Clears timers and drops cached sessions (client shutdown). */
  stop(): void {
    this.#stopped = true
    for (const t of this.#timers.values()) clearTimeout(t)
    this.#timers.clear()
    this.#cache.clear()
    this.#activeOf.clear()
  }
}
