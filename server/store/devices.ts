/**
 * Devices repository: each device's Ed25519 identity key, its signed X25519 identity key and its
 * signed prekey (docs/PROTOCOL.md §4.1). The relay stores public keys only.
 * @module
 */
import type { Db } from './db.js'

/** A `devices` row. */
export interface DeviceRow {
  user_id: number
  device_id: string
  identity_key: Buffer
  identity_dh: Buffer
  identity_dh_sig: Buffer
  signed_prekey_id: number
  signed_prekey: Buffer
  signed_prekey_sig: Buffer
  created_at: number
  updated_at: number
  last_seen: number
}

export async function getDevice(db: Db, userId: number, deviceId: string): Promise<DeviceRow | undefined> {
  return db('devices').where({ user_id: userId, device_id: deviceId }).first()
}

/** The device that published most recently (the default target of a bundle fetch). */
export async function latestDevice(db: Db, userId: number): Promise<DeviceRow | undefined> {
  return db('devices').where('user_id', userId).orderBy('updated_at', 'desc').orderBy('device_id').first()
}

export async function listDevices(db: Db, userId: number): Promise<DeviceRow[]> {
  return db('devices').where('user_id', userId).orderBy('created_at').orderBy('device_id')
}

/** Inserts or replaces a device's keys (`created_at` kept on update). */
export async function upsertDevice(db: Db, row: DeviceRow): Promise<void> {
  await db('devices')
    .insert(row)
    .onConflict(['user_id', 'device_id'])
    .merge(['identity_key', 'identity_dh', 'identity_dh_sig', 'signed_prekey_id', 'signed_prekey', 'signed_prekey_sig', 'updated_at', 'last_seen'])
}

/** Replaces only the signed prekey. */
export async function updateSignedPrekey(db: Db, userId: number, deviceId: string, spk: { id: number; key: Buffer; sig: Buffer }, now: number): Promise<void> {
  await db('devices')
    .where({ user_id: userId, device_id: deviceId })
    .update({ signed_prekey_id: spk.id, signed_prekey: spk.key, signed_prekey_sig: spk.sig, updated_at: now, last_seen: now })
}

/** Which of the `(user, device)` pairs exist, as "user:device" strings. */
export async function existingDevices(db: Db, pairs: ReadonlyArray<readonly [number, string]>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set()
  const rows = await db('devices')
    .whereIn(['user_id', 'device_id'], pairs.map(([u, d]) => [u, d]))
    .select('user_id', 'device_id')
  return new Set(rows.map((r: { user_id: number; device_id: string }) => `${r.user_id}:${r.device_id}`))
}
