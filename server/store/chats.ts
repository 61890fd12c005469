/**
 * Chat membership and per-direction pointers. Row `(user, peer)` exists once the two exchanged a
 * cloud or secret message and says, for `user`'s inbox from `peer`: delivered up to, read up to, and
 * history cleared up to (message ids). Receipts move these pointers instead of touching every
 * message; `update.identity` fans out to the peers listed here.
 * @module
 */
import { bulkInsert, jsonRows } from './bulk.js'
import { chunk, rawRows, type Db } from './db.js'
import { dialectOf } from './dialect.js'

/** A `chats` row. */
export interface ChatRow {
  user_id: number
  peer_id: number
  delivered_max: number
  read_max: number
  cleared_max: number
  created_at: number
}

/** Creates the membership rows that do not exist yet (both directions are passed by the caller). */
export async function ensureChats(db: Db, pairs: ReadonlyArray<readonly [number, number]>, now: number): Promise<void> {
  const unique = [...new Map(pairs.map(([u, p]) => [`${u}:${p}`, { user_id: u, peer_id: p, created_at: now }])).values()]
  const columns = [
    { name: 'user_id', pg: 'int' },
    { name: 'peer_id', pg: 'int' },
    { name: 'created_at', pg: 'bigint' },
  ] as const
  await bulkInsert(db, 'chats', columns, unique, { conflict: ['user_id', 'peer_id'] })
}

function toRow(r: Record<string, unknown>): ChatRow {
  return {
    user_id: Number(r.user_id),
    peer_id: Number(r.peer_id),
    delivered_max: Number(r.delivered_max),
    read_max: Number(r.read_max),
    cleared_max: Number(r.cleared_max),
    created_at: Number(r.created_at),
  }
}

/** Rows for the given `(user, peer)` pairs, keyed "user:peer". */
export async function getChats(db: Db, pairs: ReadonlyArray<readonly [number, number]>): Promise<Map<string, ChatRow>> {
  const out = new Map<string, ChatRow>()
  for (const part of chunk(pairs, 400)) {
    if (part.length === 0) continue
    const rows = await db('chats').whereIn(['user_id', 'peer_id'], part.map(([u, p]) => [u, p]))
    for (const r of rows) out.set(`${r.user_id}:${r.peer_id}`, toRow(r))
  }
  return out
}

export async function getChat(db: Db, user: number, peer: number): Promise<ChatRow | undefined> {
  const r = await db('chats').where({ user_id: user, peer_id: peer }).first()
  return r ? toRow(r) : undefined
}

/**
 * Moves many delivered pointers forward in one statement (`UPDATE … FROM json_each(?)` on SQLite,
 * one per 300 items `… FROM (VALUES …)` on PostgreSQL, both `RETURNING`); returns the
 * `[user, peer, maxId]` that moved. The
 * group commit acks every recipient's deliveries at once with it: one statement per pair was most
 * of a busy batch's statements. Items must name distinct (user, peer) pairs.
 */
export async function advanceDeliveredMany(db: Db, items: ReadonlyArray<readonly [number, number, number]>): Promise<Array<[number, number, number]>> {
  const pg = dialectOf(db) === 'pg'
  const moved: Array<[number, number, number]> = []
  if (!pg && jsonRows(db)) {
    if (items.length === 0) return moved
    const rows = await rawRows<{ user_id: number; peer_id: number; delivered_max: number }>(
      db,
      `UPDATE chats SET delivered_max = v.value ->> 2 FROM json_each(?) AS v
       WHERE chats.user_id = v.value ->> 0 AND chats.peer_id = v.value ->> 1 AND chats.delivered_max < v.value ->> 2
       RETURNING chats.user_id, chats.peer_id, chats.delivered_max`,
      [JSON.stringify(items)],
    )
    for (const r of rows) moved.push([Number(r.user_id), Number(r.peer_id), Number(r.delivered_max)])
    return moved
  }
  for (const part of chunk(items, 300)) {
    if (part.length === 0) continue
    const tuple = pg ? '(CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS BIGINT))' : '(?, ?, ?)'
    const [u, p, m] = pg ? ['v.user_id', 'v.peer_id', 'v.max_id'] : ['v.column1', 'v.column2', 'v.column3']
    const rows = await rawRows<{ user_id: number; peer_id: number; delivered_max: number }>(
      db,
      `UPDATE chats SET delivered_max = ${m} FROM (VALUES ${part.map(() => tuple).join(', ')}) AS v${pg ? '(user_id, peer_id, max_id)' : ''}
       WHERE chats.user_id = ${u} AND chats.peer_id = ${p} AND chats.delivered_max < ${m}
       RETURNING chats.user_id, chats.peer_id, chats.delivered_max`,
      part.flatMap((i) => [i[0], i[1], i[2]]),
    )
    for (const r of rows) moved.push([Number(r.user_id), Number(r.peer_id), Number(r.delivered_max)])
  }
  return moved
}

/** Moves the read pointer (and the delivered one with it); true when it moved. */
export async function advanceRead(db: Db, user: number, peer: number, maxId: number): Promise<boolean> {
  const n = await db('chats')
    .where({ user_id: user, peer_id: peer })
    .where('read_max', '<', maxId)
    .update({ read_max: maxId, delivered_max: db.raw('CASE WHEN delivered_max < CAST(? AS BIGINT) THEN CAST(? AS BIGINT) ELSE delivered_max END', [maxId, maxId]) })
  return n === 1
}

/** Hides `user`'s history with `peer` up to `upTo` ("delete chat for me"). */
export async function clearChat(db: Db, user: number, peer: number, upTo: number): Promise<void> {
  await db('chats').where({ user_id: user, peer_id: peer }).where('cleared_max', '<', upTo).update({ cleared_max: upTo })
}

/** Everyone `user` has a chat with. */
export async function chatPeers(db: Db, user: number): Promise<number[]> {
  const rows = await db('chats').where('user_id', user).select('peer_id')
  return rows.map((r: { peer_id: number }) => Number(r.peer_id))
}

/**
 * `user`'s chats with the id of the newest message each can see, newest first. One correlated
 * subquery per chat over the `(chat_lo, chat_hi, id)` index.
 */
export async function listChats(db: Db, user: number, limit: number): Promise<Array<ChatRow & { last_id: number | null }>> {
  const visible = `m.chat_lo = CASE WHEN c.user_id < c.peer_id THEN c.user_id ELSE c.peer_id END
      AND m.chat_hi = CASE WHEN c.user_id < c.peer_id THEN c.peer_id ELSE c.user_id END
      AND m.id > c.cleared_max
      AND ((m.sender_id = c.user_id AND m.hidden_sender = ?) OR (m.recipient_id = c.user_id AND m.hidden_recipient = ?))`
  const rows = await db('chats as c')
    .where('c.user_id', user)
    .select('c.*', db.raw(`(SELECT MAX(m.id) FROM messages m WHERE ${visible}) AS last_id`, [false, false]))
    .orderByRaw('last_id DESC NULLS LAST, c.peer_id')
    .limit(limit)
  return rows.map((r: Record<string, unknown>) => ({ ...toRow(r), last_id: r.last_id == null ? null : Number(r.last_id) }))
}
