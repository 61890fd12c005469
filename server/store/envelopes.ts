/**
 * Secret-chat envelopes repository (docs/PROTOCOL.md §3, `messages.sendSecret`; §2.7 acks). An
 * envelope is opaque ciphertext addressed to one device of one user, kept until that device acks
 * it and then deleted. Each carries a pts from its recipient's counter, so `getDifference` merges
 * envelopes with the update log in pts order without a second copy in `updates`.
 * @module
 */
import { bulkInsert, selectByKeys, type BulkColumn } from './bulk.js'
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

const COLUMNS: readonly BulkColumn[] = [
  { name: 'recipient_id', pg: 'int' },
  { name: 'recipient_device', pg: 'text' },
  { name: 'sender_id', pg: 'int' },
  { name: 'sender_device', pg: 'text' },
  { name: 'chat_id', pg: 'text' },
  { name: 'random_id', pg: 'text' },
  { name: 'data', pg: 'bytea' },
  { name: 'init', pg: 'text' },
  { name: 'date', pg: 'bigint' },
  { name: 'pts', pg: 'bigint' },
]
const KEY: readonly BulkColumn[] = [
  { name: 'sender_id', pg: 'int' },
  { name: 'recipient_id', pg: 'int' },
  { name: 'recipient_device', pg: 'text' },
  { name: 'random_id', pg: 'text' },
]

/** Inserts envelopes, skipping duplicates; returns ids keyed by {@link envelopeKeyString}. */
export async function insertEnvelopes(db: Db, rows: ReadonlyArray<Omit<EnvelopeRow, 'id'>>): Promise<Map<string, number>> {
  const out = await bulkInsert<Omit<EnvelopeRow, 'data'>>(db, 'envelopes', COLUMNS, rows as unknown as Record<string, unknown>[], {
    conflict: ['sender_id', 'recipient_id', 'recipient_device', 'random_id'],
    returning: ['id', 'sender_id', 'recipient_id', 'recipient_device', 'random_id'],
  })
  return new Map(out.map((r) => [envelopeKeyString([Number(r.sender_id), Number(r.recipient_id), r.recipient_device, r.random_id]), Number(r.id)]))
}

export function envelopeKeyString(k: EnvelopeKey): string {
  return `${k[0]}:${k[1]}:${k[2]}:${k[3]}`
}

/** Pending envelopes with the given keys. */
export async function findEnvelopes(db: Db, keys: readonly EnvelopeKey[]): Promise<EnvelopeRow[]> {
  return (await selectByKeys<EnvelopeRow>(db, 'envelopes', KEY, keys)).map((r) => ({ ...r, id: Number(r.id), pts: Number(r.pts), sender_id: Number(r.sender_id), recipient_id: Number(r.recipient_id) }))
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
