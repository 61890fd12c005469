/**
 * Cloud messages repository. Bodies are sealed (see `cipher.ts`) before they reach this module;
 * only routing metadata is in clear: sender, recipient, date, random_id, the file_id a message
 * carries (for download rights) and its TTL. A pair's history is `(chat_lo, chat_hi, id)` with
 * `chat_lo < chat_hi` the two user ids, so both directions share one index range.
 * @module
 */
import { bulkInsert, jsonRows, selectByKeys, type BulkColumn } from './bulk.js'
import { bool, chunk, rawRows, type Db } from './db.js'
import { dialectOf } from './dialect.js'

/** A `messages` row. */
export interface MessageRow {
  id: number
  sender_id: number
  recipient_id: number
  chat_lo: number
  chat_hi: number
  random_id: string
  date: number
  key_id: string
  body: Buffer
  file_id: string | null
  ttl: number | null
  expires_at: number | null
  hidden_sender: boolean
  hidden_recipient: boolean
  sender_pts: number
}

/** Fields of a new message row. */
export type NewMessageRow = Omit<MessageRow, 'id' | 'expires_at' | 'hidden_sender' | 'hidden_recipient'>

const COLUMNS: readonly BulkColumn[] = [
  { name: 'sender_id', pg: 'int' },
  { name: 'recipient_id', pg: 'int' },
  { name: 'chat_lo', pg: 'int' },
  { name: 'chat_hi', pg: 'int' },
  { name: 'random_id', pg: 'text' },
  { name: 'date', pg: 'bigint' },
  { name: 'key_id', pg: 'text' },
  { name: 'body', pg: 'bytea' },
  { name: 'file_id', pg: 'text' },
  { name: 'ttl', pg: 'int' },
  { name: 'sender_pts', pg: 'bigint' },
]
const KEY: readonly BulkColumn[] = [
  { name: 'sender_id', pg: 'int' },
  { name: 'random_id', pg: 'text' },
]

/** The ordered pair key of a chat. */
export function chatKey(a: number, b: number): { lo: number; hi: number } {
  return a < b ? { lo: a, hi: b } : { lo: b, hi: a }
}

function toRow(r: Record<string, unknown>): MessageRow {
  return {
    ...(r as unknown as MessageRow),
    hidden_sender: bool(r.hidden_sender),
    hidden_recipient: bool(r.hidden_recipient),
  }
}

/**
 * Inserts rows; a row whose `(sender_id, random_id)` exists is skipped (`ON CONFLICT DO NOTHING`).
 * Returns the inserted rows' ids keyed by "sender:random_id" (RETURNING order is not guaranteed).
 */
export async function insertMessages(db: Db, rows: readonly NewMessageRow[]): Promise<Map<string, number>> {
  const out = await bulkInsert<{ id: number; sender_id: number; random_id: string }>(db, 'messages', COLUMNS, rows as unknown as Record<string, unknown>[], {
    conflict: ['sender_id', 'random_id'],
    returning: ['id', 'sender_id', 'random_id'],
  })
  return new Map(out.map((r) => [`${r.sender_id}:${r.random_id}`, Number(r.id)]))
}

/** Existing messages with the given `(sender, random_id)` keys. */
export async function findByRandomIds(db: Db, keys: ReadonlyArray<readonly [number, string]>): Promise<MessageRow[]> {
  return (await selectByKeys<Record<string, unknown>>(db, 'messages', KEY, keys)).map(toRow)
}

/** Routing of a message: who sent it to whom (no body). */
export type MessageHead = Pick<MessageRow, 'id' | 'sender_id' | 'recipient_id'>

/** {@link MessageHead}s of the existing messages among `ids` (delivery acks need no bodies). */
export async function getMessageHeads(db: Db, ids: readonly number[]): Promise<MessageHead[]> {
  const unique = [...new Set(ids)]
  if (unique.length === 0) return []
  const rows: Array<Record<string, unknown>> =
    dialectOf(db) === 'sqlite' && jsonRows(db)
      ? await rawRows(db, 'SELECT id, sender_id, recipient_id FROM messages WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(unique)])
      : (await Promise.all(chunk(unique, 500).map((part) => db('messages').whereIn('id', part).select('id', 'sender_id', 'recipient_id')))).flat()
  return rows.map((r) => ({ id: Number(r.id), sender_id: Number(r.sender_id), recipient_id: Number(r.recipient_id) }))
}

export async function getMessagesByIds(db: Db, ids: readonly number[]): Promise<MessageRow[]> {
  const out: MessageRow[] = []
  for (const part of chunk([...new Set(ids)], 500)) out.push(...(await db('messages').whereIn('id', part)).map(toRow))
  return out
}

/** Newest-first page of the messages of the pair (me, peer) that `me` can see. */
export async function pageForUser(
  db: Db,
  o: { me: number; peer: number; before?: number; limit: number; clearedMax: number },
): Promise<MessageRow[]> {
  const { lo, hi } = chatKey(o.me, o.peer)
  const q = db('messages')
    .where({ chat_lo: lo, chat_hi: hi })
    .where('id', '>', o.clearedMax)
    .andWhere((w) =>
      w.where((s) => s.where('sender_id', o.me).where('hidden_sender', false)).orWhere((r) => r.where('recipient_id', o.me).where('hidden_recipient', false)),
    )
    .orderBy('id', 'desc')
    .limit(o.limit)
  if (o.before !== undefined) q.where('id', '<', o.before)
  return (await q).map(toRow)
}

/** Hides messages for one side ("delete for me"): each id on the side `me` is on. */
export async function hideForUser(db: Db, me: number, ids: readonly number[]): Promise<void> {
  await db('messages').whereIn('id', ids).where('sender_id', me).update({ hidden_sender: true })
  await db('messages').whereIn('id', ids).where('recipient_id', me).update({ hidden_recipient: true })
}

export async function deleteMessages(db: Db, ids: readonly number[]): Promise<void> {
  for (const part of chunk(ids, 500)) await db('messages').whereIn('id', part).del()
}

/** Deletes the whole history of a pair; returns how many rows went. */
export async function deletePairMessages(db: Db, a: number, b: number): Promise<number> {
  const { lo, hi } = chatKey(a, b)
  return db('messages').where({ chat_lo: lo, chat_hi: hi }).del()
}

/** Highest id of the pair, or 0. */
export async function maxPairId(db: Db, a: number, b: number): Promise<number> {
  const { lo, hi } = chatKey(a, b)
  const row = await db('messages').where({ chat_lo: lo, chat_hi: hi }).max({ m: 'id' }).first()
  return Number(row?.m ?? 0)
}

/** Highest id ≤ `upTo` that `sender` sent in the pair, or 0 (clamps read receipts to real ids). */
export async function maxIdFrom(db: Db, sender: number, recipient: number, upTo: number): Promise<number> {
  const { lo, hi } = chatKey(sender, recipient)
  const row = await db('messages')
    .where({ chat_lo: lo, chat_hi: hi, sender_id: sender })
    .where('id', '<=', upTo)
    .orderBy('id', 'desc')
    .first('id')
  return Number(row?.id ?? 0)
}

/** Starts the self-destruct timer of `sender`'s messages with a TTL in (after, upTo] (on read). */
export async function startTtl(db: Db, sender: number, recipient: number, after: number, upTo: number, now: number): Promise<void> {
  const { lo, hi } = chatKey(sender, recipient)
  await db('messages')
    .where({ chat_lo: lo, chat_hi: hi, sender_id: sender })
    .where('id', '>', after)
    .where('id', '<=', upTo)
    .whereNotNull('ttl')
    .whereNull('expires_at')
    .update({ expires_at: db.raw('CAST(? AS BIGINT) + CAST(ttl AS BIGINT) * 1000', [now]) })
}

/** Messages whose TTL ran out. */
export async function expiredMessages(db: Db, now: number, limit: number): Promise<Array<Pick<MessageRow, 'id' | 'sender_id' | 'recipient_id'>>> {
  return db('messages').whereNotNull('expires_at').where('expires_at', '<=', now).orderBy('expires_at').limit(limit).select('id', 'sender_id', 'recipient_id')
}

/** Count of `peer`'s messages to `me` after `afterId` that `me` has not hidden. */
export async function countUnread(db: Db, me: number, peer: number, afterId: number): Promise<number> {
  const { lo, hi } = chatKey(me, peer)
  const [row] = await db('messages')
    .where({ chat_lo: lo, chat_hi: hi, sender_id: peer })
    .where('id', '>', afterId)
    .where('hidden_recipient', false)
    .count({ n: '*' })
  return Number((row as { n: number | string }).n)
}
