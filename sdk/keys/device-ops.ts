/**
 * The part of the key manager (`device.ts`) that needs the key code: loading or generating the
 * device keys, and publishing them (signed prekey rotation, one-time prekey replenishment).
 * Imported on first use, with `DeviceKeys`.
 * @module
 */
import type { HttpApi } from '../client/http.js'
import { S, stored } from '../client/stores.js'
import type { KeyCrypto } from '../crypto/provider.js'
import { DeviceKeys, MAX_ONE_TIME_PREKEYS } from '../protocol/secret/identity.js'
import type { StorageAdapter } from '../storage/types.js'
import { PREKEY_TARGET, SIGNED_PREKEY_MAX_AGE, type Published } from './limits.js'

/** The stored device keys (upgrading the stored form v1 → v2), or new ones, stored (dropping the publication mark). */
export async function loadDeviceKeys(p: KeyCrypto, storage: StorageAdapter, now: () => number): Promise<DeviceKeys> {
  const json = await storage.get(S.meta, 'keys')
  if (json !== undefined) {
    const keys = await DeviceKeys.load(p, json)
    if ((json as { v?: unknown }).v !== 2) await storage.set(S.meta, 'keys', stored(keys.toJSON()))
    return keys
  }
  const keys = await DeviceKeys.generate(p, { oneTimePrekeys: PREKEY_TARGET, now })
  // New keys: whatever the relay was given before is not theirs, so the next publish is a full one.
  await storage.batch([
    { op: 'set', store: S.meta, key: 'keys', value: stored(keys.toJSON()) },
    { op: 'delete', store: S.meta, key: 'published' },
  ])
  return keys
}

/** What {@link publishKeys} works with. */
export interface PublishContext {
  keys: KeyCrypto
  storage: StorageAdapter
  http: HttpApi
  now: () => number
}

/** What the caller found before loading the keys. */
export interface PublishState {
  deviceId: string
  /** No mark for this device id: publish the whole bundle. */
  fresh: boolean
  /** The relay said its one-time prekeys run low. */
  low: boolean
  /** How many the relay still holds, when it said. */
  relayCount?: number
  /** The stored mark, if any. */
  done: Published | undefined
}

/** Rotates the signed prekey when due, replenishes one-time prekeys, and publishes what the relay lacks. */
export async function publishKeys(c: PublishContext, keys: DeviceKeys, s: PublishState): Promise<void> {
  let rotated = false
  if (c.now() - keys.signedPrekey.createdAt > SIGNED_PREKEY_MAX_AGE) {
    await keys.rotateSignedPrekey(c.keys, { now: c.now })
    rotated = true
  }
  const { done } = s
  if (!s.fresh && !s.low && !rotated && done?.signedPrekeyId === keys.signedPrekey.id) {
    // A mark from before signedPrekeyAt was recorded: record it, so the next start skips the keys.
    if (done.signedPrekeyAt === undefined) await c.storage.set(S.meta, 'published', stored({ ...done, signedPrekeyAt: keys.signedPrekey.createdAt }))
    return
  }
  const held = keys.oneTimePrekeyIds
  const need = s.fresh ? Math.max(0, PREKEY_TARGET - held.length) : s.low ? Math.max(0, PREKEY_TARGET - (s.relayCount ?? 0)) : 0
  for (const id of held.slice(0, Math.max(0, held.length + need - MAX_ONE_TIME_PREKEYS))) keys.markOneTimePrekeyUsed(id)
  const added = await keys.replenish(c.keys, Math.min(MAX_ONE_TIME_PREKEYS, keys.oneTimePrekeyIds.length + need))
  // First publication carries every prekey; later ones only what the relay lacks.
  const bundle = keys.publicBundle(s.deviceId, s.fresh ? {} : { oneTimePrekeys: added })
  await c.storage.set(S.meta, 'keys', stored(keys.toJSON()))
  await c.http.request('PUT', '/v1/keys', { body: bundle })
  const mark: Published = { deviceId: s.deviceId, signedPrekeyId: keys.signedPrekey.id, signedPrekeyAt: keys.signedPrekey.createdAt }
  await c.storage.set(S.meta, 'published', stored(mark))
}
