/**
 * One-time prekeys repository. Fetching a peer's bundle consumes exactly one key: a single
 * `DELETE … RETURNING` on the lowest id, so two concurrent fetches never get the same key. On
 * PostgreSQL the inner select uses `FOR UPDATE SKIP LOCKED` so the second fetch takes the next key
 * instead of waiting and finding nothing; SQLite has one writer, so the plain form is atomic.
 * @module
 */
import { dialectOf } from './dialect.js'
import { chunk, rawRows, type Db } from './db.js'

/** Below this many one-time prekeys a device is told to upload more (`update.prekeysLow`). */
export const PREKEYS_LOW = 10

/** At most this many unused one-time prekeys per device. */
export const PREKEYS_MAX = 1000

/** Stored keys among `ids` of a device, id → public key. */
export async function existingPrekeys(db: Db, userId: number, deviceId: string, ids: readonly number[]): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>()
  for (const part of chunk(ids, 500)) {
    const rows = await db('one_time_prekeys').where({ user_id: userId, device_id: deviceId }).whereIn('key_id', part).select('key_id', 'key')
    for (const r of rows as Array<{ key_id: number; key: Buffer }>) out.set(Number(r.key_id), r.key)
  }
  return out
}

export async function addPrekeys(db: Db, userId: number, deviceId: string, keys: ReadonlyArray<{ id: number; key: Uint8Array }>): Promise<void> {
  for (const part of chunk(keys, 200))
    await db('one_time_prekeys')
      .insert(part.map((k) => ({ user_id: userId, device_id: deviceId, key_id: k.id, key: Buffer.from(k.key) })))
      .onConflict(['user_id', 'device_id', 'key_id'])
      .ignore()
}

export async function countPrekeys(db: Db, userId: number, deviceId: string): Promise<number> {
  const [row] = await db('one_time_prekeys').where({ user_id: userId, device_id: deviceId }).count({ n: '*' })
  return Number((row as { n: number | string }).n)
}

export async function deletePrekeys(db: Db, userId: number, deviceId: string): Promise<void> {
  await db('one_time_prekeys').where({ user_id: userId, device_id: deviceId }).del()
}

/** Removes and returns one one-time prekey of a device (lowest id), or undefined when none is left. */
export async function consumePrekey(db: Db, userId: number, deviceId: string): Promise<{ id: number; key: Buffer } | undefined> {
  const lock = dialectOf(db) === 'pg' ? ' FOR UPDATE SKIP LOCKED' : ''
  const rows = await rawRows<{ key_id: number; key: Buffer }>(
    db,
    `DELETE FROM one_time_prekeys WHERE user_id = ? AND device_id = ? AND key_id = (
       SELECT key_id FROM one_time_prekeys WHERE user_id = ? AND device_id = ? ORDER BY key_id LIMIT 1${lock}
     ) RETURNING key_id, key`,
    [userId, deviceId, userId, deviceId],
  )
  return rows[0] ? { id: Number(rows[0].key_id), key: rows[0].key } : undefined
}
