/**
 * Key bundles for secret chats (docs/PROTOCOL.md §4.1, §6 `/v1/keys`): publish a device's identity
 * key, signed prekey and one-time prekeys; fetch a peer's bundle, consuming one one-time prekey
 * (a bundle with only the signed prekey still works); list devices; tell a device when its
 * one-time prekeys run low. A changed identity key for a device appends `update.identity` to every
 * user who shares a chat with its owner (and to the owner's other devices): never hidden.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import type { RateLimiter } from '../rate-limit.js'
import { chatPeers } from '../store/chats.js'
import { getDevice, latestDevice, listDevices, updateSignedPrekey, upsertDevice, type DeviceRow } from '../store/devices.js'
import { addPrekeys, consumePrekey, countPrekeys, deletePrekeys, existingPrekeys, PREKEYS_LOW, PREKEYS_MAX } from '../store/prekeys.js'
import type { Store } from '../store/store.js'
import { existingUserIds } from '../store/users.js'
import { appendUpdates } from './append.js'
import type { AuditLog } from './audit.js'
import { verifyWithContext } from '../../sdk/crypto/keys.js'
import { nodeProvider } from '../../sdk/crypto/node.js'
import { signedPrekeyBody } from '../../sdk/protocol/secret/identity.js'
import type { Delivery, UpdateBus } from './update-bus.js'

/** A bundle to publish (bytes already decoded from base64 and length-checked). */
export interface PublishKeysInput {
  device_id: string
  identity_key: Uint8Array
  identity_dh: Uint8Array
  identity_dh_sig: Uint8Array
  signed_prekey?: { id: number; key: Uint8Array; sig: Uint8Array }
  one_time_prekeys?: Array<{ id: number; key: Uint8Array }>
}

/** docs/PROTOCOL.md §6 `GET /v1/keys/:userId` answer. */
export interface BundleJson {
  user_id: number
  device_id: string
  identity_key: string
  identity_dh: string
  identity_dh_sig: string
  signed_prekey: { id: number; key: string; sig: string }
  one_time_prekey?: { id: number; key: string }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

function badSignature(what: string): MtChatError {
  return new MtChatError('SECRET_BAD_PREKEY_SIGNATURE', `${what} does not verify with identity_key`, { details: { status: 400 } })
}

/** Publishes and serves key bundles. */
export class KeyService {
  constructor(private readonly deps: { store: Store; clock: Clock; bus: UpdateBus; audit: AuditLog; fetchLimiter: RateLimiter }) {}

  /** Publishes or updates the caller's device bundle; returns the device's one-time prekey count. */
  async publish(userId: number, input: PublishKeysInput, ip?: string): Promise<{ one_time_prekeys: number }> {
    // The SDK's own checks (docs/PROTOCOL.md §1 strict rule, §4.1 messages): the relay never
    // stores a bundle a client would refuse.
    if (!verifyWithContext(nodeProvider, 'identityDh', input.identity_dh_sig, input.identity_dh, input.identity_key))
      throw badSignature('identity_dh_sig')
    const spk = input.signed_prekey
    if (spk && !verifyWithContext(nodeProvider, 'signedPrekey', spk.sig, signedPrekeyBody(spk.id, spk.key), input.identity_key))
      throw badSignature('signed_prekey.sig')
    const opks = input.one_time_prekeys ?? []
    if (new Set(opks.map((k) => k.id)).size !== opks.length) throw new MtChatError('BAD_REQUEST', 'one_time_prekeys repeats an id')
    const now = this.deps.clock.now()
    const deviceId = input.device_id

    const result = await this.deps.store.transaction(async (trx) => {
      const existing = await getDevice(trx, userId, deviceId)
      const changed = existing !== undefined && (!same(existing.identity_key, input.identity_key) || !same(existing.identity_dh, input.identity_dh))
      let deliveries: Delivery[] = []
      if (!existing || changed) {
        if (!spk) throw new MtChatError('BAD_REQUEST', 'a new device or identity needs signed_prekey')
        const row: DeviceRow = {
          user_id: userId,
          device_id: deviceId,
          identity_key: Buffer.from(input.identity_key),
          identity_dh: Buffer.from(input.identity_dh),
          identity_dh_sig: Buffer.from(input.identity_dh_sig),
          signed_prekey_id: spk.id,
          signed_prekey: Buffer.from(spk.key),
          signed_prekey_sig: Buffer.from(spk.sig),
          created_at: existing?.created_at ?? now,
          updated_at: now,
          last_seen: now,
        }
        await upsertDevice(trx, row)
        if (changed) {
          // Prekeys of the old identity are useless to a peer who pins the new one.
          await deletePrekeys(trx, userId, deviceId)
          const peers = await chatPeers(trx, userId)
          const entries = [userId, ...peers].map((u) => ({ userId: u, kind: 'identity' as const, data: { user_id: userId, device_id: deviceId } }))
          deliveries = (await appendUpdates(trx, entries, now)).deliveries
        }
      } else if (spk) await updateSignedPrekey(trx, userId, deviceId, { id: spk.id, key: Buffer.from(spk.key), sig: Buffer.from(spk.sig) }, now)

      if (opks.length) {
        const stored = await existingPrekeys(trx, userId, deviceId, opks.map((k) => k.id))
        for (const k of opks) {
          const prior = stored.get(k.id)
          if (prior && !same(prior, k.key)) throw new MtChatError('CONFLICT', `one-time prekey id ${k.id} is already published with another key`)
        }
        const fresh = opks.filter((k) => !stored.has(k.id))
        if ((await countPrekeys(trx, userId, deviceId)) + fresh.length > PREKEYS_MAX)
          throw new MtChatError('BAD_REQUEST', `a device holds at most ${PREKEYS_MAX} one-time prekeys`)
        await addPrekeys(trx, userId, deviceId, fresh)
      }
      return { count: await countPrekeys(trx, userId, deviceId), deliveries, changed, added: opks.length }
    })
    this.deps.bus.publish(result.deliveries)
    this.deps.audit.record(result.changed ? 'keys.identity_changed' : 'keys.publish', { userId, ip, meta: { device_id: deviceId, one_time_prekeys: result.added } })
    return { one_time_prekeys: result.count }
  }

  /**
   * A peer's bundle: the named device or the one that published last, with one one-time prekey
   * consumed when any is left. PREKEYS_EXHAUSTED when the user has no device.
   */
  async fetchBundle(requester: number, userId: number, deviceId?: string): Promise<BundleJson> {
    this.deps.fetchLimiter.hit(`keys:${requester}`, 'GET /v1/keys')
    const db = this.deps.store.knex
    if (!(await existingUserIds(db, [userId])).has(userId)) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
    const device = deviceId === undefined ? await latestDevice(db, userId) : await getDevice(db, userId, deviceId)
    if (!device) throw new MtChatError('PREKEYS_EXHAUSTED', deviceId === undefined ? 'the user has published no keys' : 'no such device')
    const opk = await consumePrekey(db, userId, device.device_id)
    const bundle: BundleJson = {
      user_id: userId,
      device_id: device.device_id,
      identity_key: b64(device.identity_key),
      identity_dh: b64(device.identity_dh),
      identity_dh_sig: b64(device.identity_dh_sig),
      signed_prekey: { id: Number(device.signed_prekey_id), key: b64(device.signed_prekey), sig: b64(device.signed_prekey_sig) },
    }
    if (opk) {
      bundle.one_time_prekey = { id: opk.id, key: b64(opk.key) }
      const left = await countPrekeys(db, userId, device.device_id)
      if (left < PREKEYS_LOW)
        this.deps.bus.publish([{ userId, deviceId: device.device_id, update: { _: 'update.prekeysLow', device_id: device.device_id, count: left } }])
    }
    return bundle
  }

  /** A user's devices. */
  async devices(userId: number): Promise<{ devices: Array<{ device_id: string; identity_key: string; last_seen: number }> }> {
    const db = this.deps.store.reader
    if (!(await existingUserIds(db, [userId])).has(userId)) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
    const rows = await listDevices(db, userId)
    return { devices: rows.map((d) => ({ device_id: d.device_id, identity_key: b64(d.identity_key), last_seen: Number(d.last_seen) })) }
  }

  /** One-time prekeys left for a device, and whether that is low (`auth.signIn` reports it). */
  async prekeyStatus(userId: number, deviceId: string): Promise<{ count: number; low: boolean }> {
    const count = await countPrekeys(this.deps.store.reader, userId, deviceId)
    return { count, low: count < PREKEYS_LOW }
  }
}
