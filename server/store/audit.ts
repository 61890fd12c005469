/**
 * Audit log repository: relay events with metadata only (who, when, from where, what kind, ids and
 * counts) — never message content, keys, codes or tokens. Read back in id order for export.
 * @module
 */
import { chunk, type Db } from './db.js'

/** An `audit_log` row. */
export interface AuditRow {
  id: number
  at: number
  event: string
  user_id: number | null
  ip: string | null
  meta: string | null
}

export async function insertAudit(db: Db, rows: ReadonlyArray<Omit<AuditRow, 'id'>>): Promise<void> {
  for (const part of chunk(rows, 200)) await db('audit_log').insert(part)
}

/** Up to `limit` events with `id > afterId` and `at ≥ since`, in id order. */
export async function readAudit(db: Db, o: { since?: number; afterId: number; limit: number }): Promise<AuditRow[]> {
  const q = db('audit_log').where('id', '>', o.afterId).orderBy('id').limit(o.limit)
  if (o.since !== undefined) q.where('at', '>=', o.since)
  return (await q).map((r: AuditRow) => ({ ...r, id: Number(r.id), at: Number(r.at) }))
}
