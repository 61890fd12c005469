/**
 * How cloud-chat updates (docs/PROTOCOL.md §3.1) and outbox answers change local state: new
 * messages (ours from other sessions too), receipts ✔✔/✅, deletions, typing. Each adds its writes
 * to the update's transaction; events fire after the commit.
 * @module
 */
import type { MtChatError } from '../errors.js'
import type { RpcResultOf } from '../protocol/schemas/rpc.js'
import type { Update } from '../protocol/schemas/updates.js'
import type { MessageRecord, MessageStatus, OutboxEntry } from '../client/stores.js'
import type { Tx } from '../client/tx.js'
import { cloudRecord } from './cloud.js'
import type { ChatContext } from './context.js'

const RANK: Record<MessageStatus, number> = { failed: -1, sending: 0, sent: 1, delivered: 2, read: 3 }

/** Whether moving from `a` to `b` is progress (statuses never go back). */
export const advances = (a: MessageStatus, b: MessageStatus) => RANK[b] > RANK[a]

type U<T extends Update['_']> = Extract<Update, { _: T }>

/** Applies cloud updates and outbox results. */
export class CloudUpdates {
  readonly #ctx: ChatContext

  constructor(ctx: ChatContext) {
    this.#ctx = ctx
  }

  async message(u: U<'update.message'>, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const me = await ctx.me()
    const known = await ctx.history.get(u.message.random_id)
    const replyTo = u.message.reply_to !== undefined ? await this.#idOf(u.message.from === me ? u.message.to : u.message.from, u.message.reply_to) : undefined
    const record = cloudRecord(u.message, me, replyTo)
    if (known && known.record.serverId === undefined) return // ours, still in the outbox: its answer files it
    ctx.history.put(tx, ctx.history.cloudKey(record.peer, record.serverId!), known ? { ...known.record, status: record.status, serverId: record.serverId } : record)
    if (known) return
    tx.after(() => {
      if (!record.out) ctx.chatStarted('cloud', record.peer)
      ctx.emit('cloud', record.peer, 'message', ctx.toMessage(record))
    })
  }

  /** A receipt for our messages: one (random_id) or all up to max_id. */
  async status(u: U<'update.status'>, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const changed: MessageRecord[] = []
    if (u.random_id) {
      const found = await ctx.history.get(u.random_id)
      if (found?.record.out && advances(found.record.status, u.status)) {
        const rec = { ...found.record, status: u.status }
        ctx.history.put(tx, found.key, rec)
        changed.push(rec)
      }
    } else if (u.max_id !== undefined) {
      for (const l of await ctx.history.list('cloud', u.peer, 100)) {
        const r = l.record
        if (r.out && r.serverId !== undefined && r.serverId <= u.max_id && advances(r.status, u.status)) {
          const rec = { ...r, status: u.status }
          ctx.history.put(tx, l.key, rec)
          changed.push(rec)
        }
      }
    }
    tx.after(() => {
      for (const r of changed) ctx.emit('cloud', u.peer, 'status', { id: r.id, status: r.status })
    })
  }

  async deleted(u: U<'update.deleted'>, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const ids: string[] = []
    for (const serverId of u.ids) {
      const key = ctx.history.cloudKey(u.peer, serverId)
      const rec = await ctx.storage.get<MessageRecord & Record<string, never>>('history', key)
      if (!rec) continue
      ctx.history.remove(tx, key, rec.id)
      ids.push(rec.id)
    }
    if (ids.length) tx.after(() => ctx.emit('cloud', u.peer, 'deleted', { ids, by: 'peer' }))
  }

  async chatDeleted(u: U<'update.chatDeleted'>, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const all = (await ctx.history.all('cloud', u.peer)).filter((l) => l.record.serverId !== undefined)
    for (const l of all) ctx.history.remove(tx, l.key, l.record.id)
    tx.after(() => ctx.emit('cloud', u.peer, 'deleted', { ids: all.map((l) => l.record.id), by: 'peer', all: true }))
  }

  typing(u: U<'update.typing'>): void {
    this.#ctx.emit('cloud', u.peer, 'typing', { peer: u.peer, date: this.#ctx.now() })
  }

  /** The relay stored our message: file it under its relay id, status ✔. */
  async sent(entry: Extract<OutboxEntry, { kind: 'cloud' }>, result: RpcResultOf<'messages.send'>, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const found = await ctx.history.get(entry.id)
    const m = result.message
    const base = found?.record ?? cloudRecord(m, m.from)
    const status = advances('sent', m.status) ? m.status : 'sent'
    const rec: MessageRecord = { ...base, serverId: m.id, date: m.date, status }
    ctx.history.remove(tx, entry.historyKey, entry.id)
    ctx.history.put(tx, ctx.history.cloudKey(rec.peer, m.id), rec)
    tx.after(() => {
      ctx.emit('cloud', rec.peer, 'status', { id: rec.id, status: rec.status })
      ctx.settle(rec.id, { message: ctx.toMessage(rec) })
    })
  }

  async failed(entry: Extract<OutboxEntry, { kind: 'cloud' }>, error: MtChatError, tx: Tx): Promise<void> {
    const ctx = this.#ctx
    const found = await ctx.history.get(entry.id)
    if (found) ctx.history.put(tx, found.key, { ...found.record, status: 'failed', error: { code: error.code, message: error.message } })
    tx.after(() => {
      ctx.emit('cloud', entry.params.peer, 'status', { id: entry.id, status: 'failed', error })
      ctx.settle(entry.id, { error })
    })
  }

  /** The message id (random_id) of the relay message `serverId`, if cached. */
  async #idOf(peer: number, serverId: number): Promise<string | undefined> {
    const rec = await this.#ctx.storage.get<MessageRecord & Record<string, never>>('history', this.#ctx.history.cloudKey(peer, serverId))
    return rec?.id
  }
}
