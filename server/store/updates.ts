/**
 * The per-user update log (docs/PROTOCOL.md §3.1) and its pts counter.
 *
 * pts allocation: `user_state.pts` is a per-user counter bumped inside the same transaction that
 * writes the updates, by `k` at once for a batch (`UPDATE … SET pts = pts + CASE user_id … END
 * RETURNING`), so one statement serves every user of a group commit. SQLite has a single writer, so
 * that is race-free; on PostgreSQL the counter rows are first locked with `SELECT … ORDER BY user_id
 * FOR UPDATE`, always in ascending id order so two batches touching the same users cannot deadlock
 * on them, and a user's updates commit in pts order. Because the counter commits with the rows, a
 * reader that reads the counter first and then the log up to it never misses a committed update.
 * @module
 */
import { dialectOf } from './dialect.js'
import { bulkInsert, jsonRows, type BulkColumn } from './bulk.js'
import { chunk, rawRows, type Db } from './db.js'

/** Kinds of stored updates (`update.<kind>` on the wire; secret envelopes live in `envelopes`). */
export type UpdateKind = 'message' | 'status' | 'deleted' | 'chatDeleted' | 'identity'

/** An `updates` row. `ref_id` names the message of a `message` update; `data` is JSON for the rest. */
export interface UpdateRow {
  user_id: number
  pts: number
  kind: UpdateKind
  ref_id: number | null
  data: string | null
  date: number
}

/**
 * Reserves `n` consecutive pts for each user in `counts`; returns each user's first reserved pts.
 * Must run inside a transaction that also writes the rows using them.
 */
export async function allocatePts(db: Db, counts: ReadonlyMap<number, number>): Promise<Map<number, number>> {
  const ids = [...counts.keys()].filter((id) => (counts.get(id) ?? 0) > 0).sort((a, b) => a - b)
  const first = new Map<number, number>()
  if (ids.length === 0) return first
  const pg = dialectOf(db) === 'pg'
  if (!pg && jsonRows(db)) {
    // One parameter for the whole batch (see store/bulk.ts): [[user, count], …].
    const rows = await rawRows<{ user_id: number; pts: number }>(
      db,
      'UPDATE user_state SET pts = pts + (j.value ->> 1) FROM json_each(?) AS j WHERE user_state.user_id = j.value ->> 0 RETURNING user_state.user_id, user_state.pts',
      [JSON.stringify(ids.map((id) => [id, counts.get(id)!]))],
    )
    for (const r of rows) first.set(Number(r.user_id), Number(r.pts) - counts.get(Number(r.user_id))! + 1)
    return first
  }
  for (const part of chunk(ids, 300)) {
    const marks = part.map(() => '?').join(', ')
    if (pg) await rawRows(db, `SELECT user_id FROM user_state WHERE user_id IN (${marks}) ORDER BY user_id FOR UPDATE`, part)
    const cases = part.map(() => 'WHEN ? THEN CAST(? AS BIGINT)').join(' ')
    const bindings = part.flatMap((id) => [id, counts.get(id)!])
    const rows = await rawRows<{ user_id: number; pts: number }>(
      db,
      `UPDATE user_state SET pts = pts + CASE user_id ${cases} END WHERE user_id IN (${marks}) RETURNING user_id, pts`,
      [...bindings, ...part],
    )
    for (const r of rows) first.set(Number(r.user_id), Number(r.pts) - counts.get(Number(r.user_id))! + 1)
  }
  return first
}

const COLUMNS: readonly BulkColumn[] = [
  { name: 'user_id', pg: 'int' },
  { name: 'pts', pg: 'bigint' },
  { name: 'kind', pg: 'text' },
  { name: 'ref_id', pg: 'bigint' },
  { name: 'data', pg: 'text' },
  { name: 'date', pg: 'bigint' },
]

export async function insertUpdates(db: Db, rows: readonly UpdateRow[]): Promise<void> {
  await bulkInsert(db, 'updates', COLUMNS, rows as unknown as Record<string, unknown>[])
}

/** The user's current pts (0 for a new user). */
export async function currentPts(db: Db, userId: number): Promise<number> {
  const row = await db('user_state').where('user_id', userId).first('pts')
  return Number(row?.pts ?? 0)
}

/** Log rows with `after < pts ≤ upTo`, ascending, at most `limit`. */
export async function readUpdates(db: Db, userId: number, after: number, upTo: number, limit: number): Promise<UpdateRow[]> {
  const rows = await db('updates').where('user_id', userId).where('pts', '>', after).where('pts', '<=', upTo).orderBy('pts').limit(limit)
  return rows.map((r: Record<string, unknown>) => ({ ...(r as unknown as UpdateRow), pts: Number(r.pts), ref_id: r.ref_id == null ? null : Number(r.ref_id) }))
}
