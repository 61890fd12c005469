/**
 * Cloud chat reads and deletes (docs/PROTOCOL.md §3 `messages.history`, `messages.search`,
 * `messages.delete`, `messages.deleteChat`; §6 `/v1/chats`). Writes of new messages go through the
 * group committer (`group-commit.ts`); this service owns everything else about a pair's history.
 *
 * Who may do what: a user only ever names a peer, so every query is scoped to the pair (me, peer);
 * ids from another pair are "not found". "Delete for everyone" is allowed only for one's own
 * messages (FORBIDDEN otherwise); "for me" works on any visible message of the pair. A delete for
 * everyone appends `update.deleted`/`update.chatDeleted` to both users; a delete for me only to the
 * deleting user's own log (the peer's copy is unchanged, so telling the peer would only leak).
 *
 * Search: bodies are encrypted at rest, so there is no plaintext index. Search decrypts the pair's
 * most recent messages newest-first (at most `searchScanLimit`, default 10 000) and matches a
 * case-insensitive substring. A keyed-hash token index was rejected: it leaks word equality and
 * frequency to anyone holding the database, and costs several index rows per message on the hot
 * path. Decrypt-and-filter leaks nothing, matches any language and substring, and costs ~1 µs of
 * AES-GCM per scanned message; the trade-off is that older history than the bound is not searched.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import { getChat, getChats, clearChat, listChats } from '../store/chats.js'
import { chatKey, countUnread, deleteMessages, deletePairMessages, expiredMessages, getMessagesByIds, hideForUser, maxPairId, pageForUser, type MessageRow } from '../store/messages.js'
import type { Store } from '../store/store.js'
import { currentPts } from '../store/updates.js'
import { existingUserIds } from '../store/users.js'
import { appendUpdates, type NewUpdate } from './append.js'
import type { AuditLog } from './audit.js'
import { openContent, renderMessages, messageJson, statusOf } from './render.js'
import type { UpdateBus } from './update-bus.js'
import type { CloudMessageJson } from './update-types.js'

/** Dependencies of {@link MessageService}. */
export interface MessageServiceDeps {
  store: Store
  clock: Clock
  bus: UpdateBus
  audit: AuditLog
  searchScanLimit: number
}

/** One entry of the chat list. */
export interface ChatSummary {
  peer: number
  last_message?: CloudMessageJson
  unread: number
}

/** Normalizes text for matching: Unicode compatibility form, lower case. */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase()
}

/** History, search and deletes of cloud chats. */
export class MessageService {
  constructor(private readonly deps: MessageServiceDeps) {}

  private async requirePeer(me: number, peer: number): Promise<void> {
    if (!Number.isSafeInteger(peer) || peer <= 0) throw new MtChatError('BAD_REQUEST', 'peer must be a user id')
    if (peer === me) throw new MtChatError('BAD_REQUEST', 'a chat needs another user')
    if (!(await existingUserIds(this.deps.store.reader, [peer])).has(peer)) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
  }

  private async render(me: number, peer: number, rows: MessageRow[]): Promise<CloudMessageJson[]> {
    const inboxes = await getChats(this.deps.store.reader, [
      [me, peer],
      [peer, me],
    ])
    return renderMessages(this.deps.store.cipher, rows, inboxes)
  }

  /** A newest-first page of the pair's history before `before` (exclusive); limit 1..100. */
  async history(me: number, peer: number, o: { before?: number; limit?: number } = {}): Promise<{ messages: CloudMessageJson[]; next_before?: number }> {
    await this.requirePeer(me, peer)
    const limit = o.limit ?? 50
    const db = this.deps.store.reader
    const cleared = (await getChat(db, me, peer))?.cleared_max ?? 0
    const rows = await pageForUser(db, { me, peer, before: o.before, limit, clearedMax: cleared })
    const messages = await this.render(me, peer, rows)
    return rows.length === limit ? { messages, next_before: Number(rows[rows.length - 1].id) } : { messages }
  }

  /** Messages of the pair whose text or file name contains `q` (see the module comment). */
  async search(me: number, peer: number, q: string, o: { limit?: number; before?: number } = {}): Promise<{ messages: CloudMessageJson[] }> {
    await this.requirePeer(me, peer)
    const needle = fold(q)
    if (needle.length === 0) throw new MtChatError('BAD_REQUEST', 'q must not be empty')
    const limit = o.limit ?? 50
    const db = this.deps.store.reader
    const cleared = (await getChat(db, me, peer))?.cleared_max ?? 0
    const hits: MessageRow[] = []
    let before = o.before
    let scanned = 0
    while (hits.length < limit && scanned < this.deps.searchScanLimit) {
      const page = await pageForUser(db, { me, peer, before, limit: Math.min(500, this.deps.searchScanLimit - scanned), clearedMax: cleared })
      for (const row of page) {
        const c = openContent(this.deps.store.cipher, row)
        if ((c.text !== undefined && fold(c.text).includes(needle)) || (c.file && fold(c.file.name).includes(needle))) hits.push(row)
        if (hits.length === limit) break
      }
      scanned += page.length
      if (page.length < 500) break
      before = Number(page[page.length - 1].id)
    }
    return { messages: await this.render(me, peer, hits) }
  }

  /** Deletes messages of the pair for me or for everyone; returns my pts after it. */
  async deleteMessages(me: number, peer: number, ids: readonly number[], everyone: boolean, origin?: string): Promise<{ pts: number }> {
    await this.requirePeer(me, peer)
    const unique = [...new Set(ids)]
    if (unique.length < 1 || unique.length > 100 || !unique.every((id) => Number.isSafeInteger(id) && id > 0)) throw new MtChatError('BAD_REQUEST', 'ids must be 1..100 message ids')
    const { lo, hi } = chatKey(me, peer)
    const now = this.deps.clock.now()
    const result = await this.deps.store.transaction(async (trx) => {
      const cleared = (await getChat(trx, me, peer))?.cleared_max ?? 0
      const rows = (await getMessagesByIds(trx, unique)).filter(
        (r) => r.chat_lo === lo && r.chat_hi === hi && r.id > cleared && !(r.sender_id === me ? r.hidden_sender : r.hidden_recipient),
      )
      if (rows.length !== unique.length) throw new MtChatError('NOT_FOUND', 'no such message in this chat')
      const entries: NewUpdate[] = []
      if (everyone) {
        if (rows.some((r) => r.sender_id !== me)) throw new MtChatError('FORBIDDEN', 'only your own messages can be deleted for everyone')
        await deleteMessages(trx, unique)
        entries.push({ userId: me, kind: 'deleted', data: { peer, ids: unique, everyone: true }, origin })
        entries.push({ userId: peer, kind: 'deleted', data: { peer: me, ids: unique, everyone: true } })
      } else {
        await hideForUser(trx, me, unique)
        entries.push({ userId: me, kind: 'deleted', data: { peer, ids: unique, everyone: false }, origin })
      }
      return appendUpdates(trx, entries, now)
    })
    this.deps.bus.publish(result.deliveries)
    this.deps.audit.record('message.delete', { userId: me, meta: { peer, count: unique.length, everyone } })
    return { pts: result.lastPts.get(me)! }
  }

  /** Deletes (everyone) or clears (me) the whole chat; returns my pts after it. */
  async deleteChat(me: number, peer: number, everyone: boolean, origin?: string): Promise<{ pts: number }> {
    await this.requirePeer(me, peer)
    const now = this.deps.clock.now()
    const result = await this.deps.store.transaction(async (trx) => {
      if (!(await getChat(trx, me, peer))) throw new MtChatError('NOT_FOUND', 'no chat with this user')
      const entries: NewUpdate[] = [{ userId: me, kind: 'chatDeleted', data: { peer }, origin }]
      if (everyone) {
        await deletePairMessages(trx, me, peer)
        entries.push({ userId: peer, kind: 'chatDeleted', data: { peer: me } })
      } else await clearChat(trx, me, peer, await maxPairId(trx, me, peer))
      return appendUpdates(trx, entries, now)
    })
    this.deps.bus.publish(result.deliveries)
    this.deps.audit.record('chat.delete', { userId: me, meta: { peer, everyone } })
    return { pts: result.lastPts.get(me)! }
  }

  /** The user's chats, newest activity first, with the last visible message and unread count. */
  async listChats(me: number, limit = 100): Promise<{ chats: ChatSummary[] }> {
    const db = this.deps.store.reader
    const rows = await listChats(db, me, limit)
    const lastRows = new Map((await getMessagesByIds(db, rows.flatMap((r) => (r.last_id ? [r.last_id] : [])))).map((m) => [Number(m.id), m]))
    const inboxes = await getChats(db, rows.flatMap((r) => [[me, r.peer_id] as const, [r.peer_id, me] as const]))
    const chats: ChatSummary[] = []
    for (const r of rows) {
      const last = r.last_id ? lastRows.get(r.last_id) : undefined
      const summary: ChatSummary = { peer: r.peer_id, unread: await countUnread(db, me, r.peer_id, Math.max(r.read_max, r.cleared_max)) }
      if (last)
        summary.last_message = messageJson(last, openContent(this.deps.store.cipher, last), statusOf(last, inboxes.get(`${last.recipient_id}:${last.sender_id}`)))
      chats.push(summary)
    }
    return { chats }
  }

  /** The user's current pts. */
  pts(me: number): Promise<number> {
    return currentPts(this.deps.store.reader, me)
  }

  /**
   * Deletes messages whose self-destruct timer ran out (timer starts when the recipient reads
   * them), telling both users. Returns how many went. Called by the maintenance loop.
   */
  async expire(limit = 500): Promise<number> {
    const now = this.deps.clock.now()
    const result = await this.deps.store.transaction(async (trx) => {
      const rows = await expiredMessages(trx, now, limit)
      if (rows.length === 0) return { deliveries: [], count: 0 }
      await deleteMessages(trx, rows.map((r) => Number(r.id)))
      const byPair = new Map<string, { a: number; b: number; ids: number[] }>()
      for (const r of rows) {
        const key = `${r.sender_id}:${r.recipient_id}`
        const g = byPair.get(key) ?? { a: r.sender_id, b: r.recipient_id, ids: [] }
        g.ids.push(Number(r.id))
        byPair.set(key, g)
      }
      const entries: NewUpdate[] = [...byPair.values()].flatMap((g) => [
        { userId: g.a, kind: 'deleted' as const, data: { peer: g.b, ids: g.ids, everyone: true } },
        { userId: g.b, kind: 'deleted' as const, data: { peer: g.a, ids: g.ids, everyone: true } },
      ])
      return { ...(await appendUpdates(trx, entries, now)), count: rows.length }
    })
    this.deps.bus.publish(result.deliveries)
    if (result.count) this.deps.audit.record('message.expired', { meta: { count: result.count } })
    return result.count
  }
}
