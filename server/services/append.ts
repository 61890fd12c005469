/**
 * Appends updates outside the group-commit path (deletes, identity changes, TTL expiry): allocates
 * pts for every user at once, writes the log rows in the caller's transaction and returns the
 * deliveries to publish after it commits.
 * @module
 */
import type { Knex } from 'knex'
import { allocatePts, insertUpdates, type UpdateKind, type UpdateRow } from '../store/updates.js'
import type { Delivery } from './update-bus.js'
import type { StoredUpdate } from './update-types.js'

/** One update to append: `data` is the update's fields besides `_` and `pts`. */
export interface NewUpdate {
  userId: number
  kind: Exclude<UpdateKind, 'message'>
  data: Record<string, unknown>
  origin?: string
}

/** Appends `entries` in order; returns the deliveries and each user's last pts. */
export async function appendUpdates(trx: Knex.Transaction, entries: readonly NewUpdate[], now: number): Promise<{ deliveries: Delivery[]; lastPts: Map<number, number> }> {
  const counts = new Map<number, number>()
  for (const e of entries) counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1)
  const next = await allocatePts(trx, counts)
  const rows: UpdateRow[] = []
  const deliveries: Delivery[] = []
  const lastPts = new Map<number, number>()
  for (const e of entries) {
    const pts = next.get(e.userId)!
    next.set(e.userId, pts + 1)
    lastPts.set(e.userId, pts)
    rows.push({ user_id: e.userId, pts, kind: e.kind, ref_id: null, data: JSON.stringify(e.data), date: now })
    deliveries.push({ userId: e.userId, update: { _: `update.${e.kind}`, pts, ...e.data } as StoredUpdate, origin: e.origin })
  }
  await insertUpdates(trx, rows)
  return { deliveries, lastPts }
}
