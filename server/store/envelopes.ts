/**
 * Secret-chat envelopes repository (docs/PROTOCOL.md §3, `messages.sendSecret`; §2.7 acks). An
 * envelope is opaque ciphertext addressed to one device of one user, kept until that device acks
 * it and then deleted. Each carries a pts from its recipient's counter, so `getDifference` merges
 * envelopes with the update log in pts order without a second copy in `updates`.
 * @module
 */
import { chunk, returningRows, type Db } from './db.js'

/** An `envelopes` row. */
export interface EnvelopeRow {
  id: number
  recipient_id: number
  recipient_device: string
  sender_id: number
  sender_device: string
  chat_id: string
  random_id: string
  data: Buffer
  init: string | null
  date: number
  pts: number
}

/** Key of an envelope for deduplication: sender, recipient, recipient device, random_id. */
export type EnvelopeKey = readonly [number, number, string, string]

/** Inserts envelopes, skipping duplicates; returns ids keyed by {@link envelopeKeyString}. */
export async function insertEnvelopes(db: Db, rows: ReadonlyArray<Omit<EnvelopeRow, 'id'>>): Promise<Map<string, number>> {
  const ids = new Map<string, number>()
  for (const part of chunk(rows, 200)) {
    const out = (await db('envelopes')
      .insert(part)
      .onConflict(['sender_id', 'recipient_id', 'recipient_device', 'random_id'])
      .ignore()
      .returning(['id', 'sender_id', 'recipient_id', 'recipient_device', 'random_id'])) as Array<Omit<EnvelopeRow, 'data'>>
    for (const r of out) ids.set(envelopeKeyString([r.sender_id, r.recipient_id, r.recipient_device, r.random_id]), Number(r.id))
  }
  return ids
}

export function envelopeKeyString(k: EnvelopeKey): string {
  return `${k[0]}:${k[1]}:${k[2]}:${k[3]}`
}

/** Pending envelopes with the given keys. */
export async function findEnvelopes(db: Db, keys: readonly EnvelopeKey[]): Promise<EnvelopeRow[]> {
  const out: EnvelopeRow[] = []
  for (const part of chunk(keys, 200))
    out.push(...(await db('envelopes').whereIn(['sender_id', 'recipient_id', 'recipient_device', 'random_id'], part.map((k) => [...k]))))
  return out.map((r) => ({ ...r, id: Number(r.id), pts: Number(r.pts) }))
}

/** A device's pending envelopes with `after < pts ≤ upTo`, ascending, at most `limit`. */
export async function readEnvelopes(db: Db, userId: number, deviceId: string, after: number, upTo: number, limit: number): Promise<EnvelopeRow[]> {
  const rows = await db('envelopes')
    .where({ recipient_id: userId, recipient_device: deviceId })
    .where('pts', '>', after)
    .where('pts', '<=', upTo)
    .orderBy('pts')
    .limit(limit)
  return rows.map((r: EnvelopeRow) => ({ ...r, id: Number(r.id), pts: Number(r.pts) }))
}

/** Deletes acked envelopes, only where the acking device is the recipient; returns what went. */
export async function deleteEnvelopes(
  db: Db,
  items: ReadonlyArray<readonly [number, string, number]>,
): Promise<Array<Pick<EnvelopeRow, 'id' | 'sender_id' | 'recipient_id' | 'recipient_device' | 'chat_id' | 'random_id'>>> {
  const out: Array<Pick<EnvelopeRow, 'id' | 'sender_id' | 'recipient_id' | 'recipient_device' | 'chat_id' | 'random_id'>> = []
  for (const part of chunk(items, 200)) {
    if (part.length === 0) continue
    const rows = await returningRows<(typeof out)[number]>(
      db,
      db('envelopes').whereIn(['recipient_id', 'recipient_device', 'id'], part.map((i) => [...i])).del(),
      ['id', 'sender_id', 'recipient_id', 'recipient_device', 'chat_id', 'random_id'],
    )
    out.push(...rows.map((r) => ({ ...r, id: Number(r.id), sender_id: Number(r.sender_id), recipient_id: Number(r.recipient_id) })))
  }
  return out
}

/** Number of envelopes waiting for a device. */
export async function pendingCount(db: Db, userId: number, deviceId: string): Promise<number> {
  const [row] = await db('envelopes').where({ recipient_id: userId, recipient_device: deviceId }).count({ n: '*' })
  return Number((row as { n: number | string }).n)
}
