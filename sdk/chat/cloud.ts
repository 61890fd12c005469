/**
 * Cloud chats (DESIGN.md "Cloud chats"): messages go to the relay over layer 1, which stores them
 * (encrypted at rest with its own key — it can read them), serves history and search, and syncs
 * them to every session of both users. Sends, receipts and deletes go through the persisted
 * outbox, so they survive being offline or a reload.
 * @module
 */
import { MtChatError } from '../errors.js'
import type { CloudMessage } from '../protocol/schemas/types.js'
import type { MessageRecord } from '../client/stores.js'
import { Tx } from '../client/tx.js'
import { ChatBase, checkFileOptions, historyLimit, normalizeSend } from './base.js'
import type { CloudChat, DeleteOptions, FileSource, HistoryOptions, Message, SendFileOptions, SendOptions } from './types.js'

/** A cloud message from the relay as a local record. */
export function cloudRecord(m: CloudMessage, me: number, replyTo?: string): MessageRecord {
  const out = m.from === me
  return {
    id: m.random_id,
    kind: 'cloud',
    peer: out ? m.to : m.from,
    from: m.from,
    out,
    date: m.date,
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.file ? { file: { ...m.file } } : {}),
    ...(replyTo ? { replyTo } : {}),
    ...(m.ttl !== undefined ? { ttl: m.ttl } : {}),
    status: m.status,
    serverId: m.id,
  }
}

/**
 * A cloud chat handle (from `client.cloudChat(peer)`).
 * @example
 * ```ts
 * const chat = client.cloudChat('bob')
 * chat.on('message', (m) => console.log(m.text))
 * await chat.send('Hello')
 * ```
 */
export class CloudChatImpl extends ChatBase implements CloudChat {
  readonly kind = 'cloud' as const

  async send(message: string | SendOptions): Promise<Message> {
    const o = normalizeSend(message)
    return this.#queue({ text: o.text }, o.replyTo, o.ttl)
  }

  async sendFile(file: FileSource, opts: SendFileOptions = {}): Promise<Message> {
    checkFileOptions(opts)
    // docs/PROTOCOL.md §3: a cloud message carries text or a file, not both.
    if (opts.caption) throw new MtChatError('INVALID_ARGUMENT', 'cloud file messages have no caption: send the text as its own message', { op: 'chat.sendFile' })
    const name = opts.name ?? (file as { name?: string }).name ?? 'file'
    const mime = opts.mime ?? (file as { type?: string }).type ?? 'application/octet-stream'
    const ref = await this.ctx.upload(file, { name, mime, size: opts.size, onProgress: opts.onProgress, signal: opts.signal })
    return this.#queue({ file: ref }, opts.replyTo, opts.ttl)
  }

  async #queue(content: Pick<MessageRecord, 'text' | 'file'>, replyTo: string | undefined, ttl: number | undefined): Promise<Message> {
    const [peer, me] = await Promise.all([this.peerId(), this.ctx.me()])
    // Under the chat's lock, so sends take their outbox places in call order.
    const sent = await this.ctx.lock(`cloud:${peer}`).run(() => this.#enqueue(peer, me, content, replyTo, ttl))
    return sent.promise
  }

  async #enqueue(
    peer: number,
    me: number,
    content: Pick<MessageRecord, 'text' | 'file'>,
    replyTo: string | undefined,
    ttl: number | undefined,
  ): Promise<{ promise: Promise<Message> }> {
    const replyServerId = replyTo ? (await this.locate(replyTo, 'chat.send')).record.serverId : undefined
    if (replyTo && replyServerId === undefined) throw new MtChatError('INVALID_STATE', 'the message replied to is not stored by the relay yet', { op: 'chat.send' })
    const id = this.ctx.randomId()
    const tx = new Tx()
    const record: MessageRecord = {
      id,
      kind: 'cloud',
      peer,
      from: me,
      out: true,
      date: this.ctx.now(),
      ...content,
      ...(replyTo ? { replyTo } : {}),
      ...(ttl ? { ttl } : {}),
      status: 'sending',
    }
    await this.ctx.outbox.add(tx, (key) => {
      const historyKey = this.ctx.history.pendingKey(peer, key)
      this.ctx.history.put(tx, historyKey, record)
      return {
        kind: 'cloud',
        id,
        historyKey,
        params: {
          peer,
          random_id: id,
          ...(content.text !== undefined ? { text: content.text } : {}),
          ...(content.file ? { file: content.file } : {}),
          ...(replyServerId !== undefined ? { reply_to: replyServerId } : {}),
          ...(ttl ? { ttl } : {}),
        },
      }
    })
    const promise = this.ctx.waitSent(id)
    tx.after(() => this.ctx.emit('cloud', peer, 'status', { id, status: 'sending' }))
    await tx.commit(this.ctx.storage)
    return { promise }
  }

  async typing(): Promise<void> {
    const peer = await this.peerId()
    if (this.ctx.conn.state !== 'online') return // ephemeral: nobody misses a stale "typing"
    await this.ctx.conn.call('messages.typing', { peer }, { waitOnline: false })
  }

  async markRead(id?: string): Promise<void> {
    const peer = await this.peerId()
    await this.ctx.lock(`cloud:${peer}`).run(async () => {
      const upTo = id ? (await this.locate(id, 'chat.markRead')).key : undefined
      const recent = await this.ctx.history.list('cloud', peer, 100)
      const unread = recent.filter((l) => !l.record.out && !l.record.readByMe && l.record.serverId !== undefined && (!upTo || l.key <= upTo))
      if (unread.length === 0) return
      const tx = new Tx()
      for (const l of unread) this.ctx.history.put(tx, l.key, { ...l.record, readByMe: true, status: 'read' })
      const maxId = Math.max(...unread.map((l) => l.record.serverId!))
      await this.ctx.outbox.add(tx, { kind: 'read', params: { peer, max_id: maxId } })
      await tx.commit(this.ctx.storage)
    })
  }

  async history(o: HistoryOptions = {}): Promise<Message[]> {
    const limit = historyLimit(o)
    const peer = await this.peerId()
    if (this.ctx.conn.state === 'online') {
      const before = o.before ? (await this.locate(o.before, 'chat.history')).record.serverId : undefined
      try {
        const r = await this.ctx.conn.call('messages.history', { peer, limit, ...(before ? { before } : {}) }, { waitOnline: false })
        const me = await this.ctx.me()
        const tx = new Tx()
        const records = r.messages.map((m) => cloudRecord(m, me))
        const known = await Promise.all(records.map((rec) => this.ctx.history.get(rec.id)))
        for (const [i, rec] of records.entries()) {
          const keep = known[i]?.record // keep what only this device knows (read marks, reply ids)
          this.ctx.history.put(tx, this.ctx.history.cloudKey(peer, rec.serverId!), keep ? { ...keep, status: rec.status } : rec)
        }
        await tx.commit(this.ctx.storage)
      } catch (err) {
        if (!MtChatError.is(err) || !['CONNECTION_CLOSED', 'TIMEOUT', 'CONNECTION_FAILED'].includes(err.code)) throw err
      }
    }
    return this.localHistory(o)
  }

  async search(text: string, opts: { limit?: number } = {}): Promise<Message[]> {
    const peer = await this.peerId()
    if (this.ctx.conn.state !== 'online') return this.localSearch(text, opts.limit)
    if (typeof text !== 'string' || text.length === 0 || text.length > 256)
      throw new MtChatError('INVALID_ARGUMENT', '"text" expected 1..256 characters', { op: 'chat.search' })
    const r = await this.ctx.conn.call('messages.search', { peer, q: text, ...(opts.limit ? { limit: opts.limit } : {}) }, { waitOnline: false })
    const me = await this.ctx.me()
    return r.messages.map((m) => this.ctx.toMessage(cloudRecord(m, me)))
  }

  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    const peer = await this.peerId()
    await this.ctx.lock(`cloud:${peer}`).run(async () => {
      const { key, record } = await this.locate(id, 'chat.delete')
      const tx = new Tx()
      this.ctx.history.remove(tx, key, id)
      if (record.serverId !== undefined)
        await this.ctx.outbox.add(tx, { kind: 'delete', params: { peer, ids: [record.serverId], ...(opts.forEveryone ? { everyone: true } : {}) } })
      else {
        // Not sent yet: take it out of the outbox instead (too late if it is on its way).
        const pending = (await this.ctx.outbox.pending()).find((p) => p.entry.kind === 'cloud' && p.entry.id === id)
        if (pending && !(await this.ctx.outbox.cancel(pending.key, tx)))
          throw new MtChatError('INVALID_STATE', 'the message is being sent; delete it once it is', { op: 'chat.delete' })
        if (pending) tx.after(() => this.ctx.settle(id, { error: new MtChatError('ABORTED', 'deleted before it was sent', { op: 'chat.send' }) }))
      }
      tx.after(() => this.ctx.emit('cloud', peer, 'deleted', { ids: [id], by: 'me' }))
      await tx.commit(this.ctx.storage)
    })
  }

  async clear(opts: DeleteOptions = {}): Promise<void> {
    const peer = await this.peerId()
    await this.ctx.lock(`cloud:${peer}`).run(async () => {
      const all = await this.ctx.history.all('cloud', peer)
      const tx = new Tx()
      for (const l of all) if (l.record.serverId !== undefined) this.ctx.history.remove(tx, l.key, l.record.id)
      await this.ctx.outbox.add(tx, { kind: 'deleteChat', params: { peer, ...(opts.forEveryone ? { everyone: true } : {}) } })
      tx.after(() => this.ctx.emit('cloud', peer, 'deleted', { ids: all.filter((l) => l.record.serverId !== undefined).map((l) => l.record.id), by: 'me', all: true }))
      await tx.commit(this.ctx.storage)
    })
  }
}
