/**
 * This device's secret-chat keys (docs/PROTOCOL.md §4.1): generated on first use, kept in
 * storage, published with `PUT /v1/keys`, one-time prekeys replenished when the relay says they
 * run low (`update.prekeysLow`), the signed prekey rotated weekly. Also the record of every peer
 * identity key seen, so a changed one is reported, never silently accepted.
 * @module
 */
import type { ClientCrypto } from '../crypto/provider.js'
import type { DeviceKeys } from '../protocol/secret/identity.js'
import type { StorageAdapter } from '../storage/types.js'
import type { HttpApi } from '../client/http.js'
import { S, stored } from '../client/stores.js'
import type { Tx } from '../client/tx.js'
import { bytesEqual } from '../util/bytes.js'
import { lazy } from '../util/lazy.js'
import { SIGNED_PREKEY_MAX_AGE, type Published } from './limits.js'

export { PREKEY_TARGET, SIGNED_PREKEY_MAX_AGE } from './limits.js'

/**
 * The key code (`DeviceKeys`, generation, publication) loads on first use: a page that restarts
 * with its bundle published and enough one-time prekeys on the relay never needs it until a secret
 * chat runs.
 */
const ops = lazy('device keys', () => import('./device-ops.js'))

/** What {@link KeyManager.checkIdentity} found. */
export type IdentityCheck = { kind: 'new' } | { kind: 'same' } | { kind: 'changed'; previous: Uint8Array }

/** Loads, publishes and replenishes the device keys; remembers peer identities. */
export class KeyManager {
  readonly #p: ClientCrypto
  readonly #storage: StorageAdapter
  readonly #http: HttpApi
  readonly #now: () => number
  #keys: Promise<DeviceKeys> | undefined
  #publishing: Promise<void> | undefined

  constructor(p: ClientCrypto, storage: StorageAdapter, http: HttpApi, now: () => number) {
    this.#p = p
    this.#storage = storage
    this.#http = http
    this.#now = now
  }

  /** The device keys, generated and stored on the very first call. */
  keys(): Promise<DeviceKeys> {
    return (this.#keys ??= this.#load().catch((err) => {
      this.#keys = undefined
      throw err
    }))
  }

  async #load(): Promise<DeviceKeys> {
    return (await ops()).loadDeviceKeys(this.#p.keys, this.#storage, this.#now)
  }

  /** Adds the current key state to `tx` (after a one-time prekey was used). */
  async save(tx: Tx): Promise<void> {
    tx.set(S.meta, 'keys', stored((await this.keys()).toJSON()))
  }

  /**
   * Makes sure the relay has this device's bundle: the full bundle once per device id (or after
   * the signed prekey rotated), then fresh one-time prekeys whenever the relay says it holds only
   * `relayCount` (below its low mark). The relay hands prekeys out without telling us which, so
   * their secrets stay here until an init uses them; past `MAX_ONE_TIME_PREKEYS` the oldest
   * are dropped (an init naming one of those then fails with SECRET_UNKNOWN_PREKEY).
   */
  publish(deviceId: string, low: boolean, relayCount?: number): Promise<void> {
    const run = async () => {
      const done = await this.#storage.get<Published & Record<string, never>>(S.meta, 'published')
      const fresh = !done || done.deviceId !== deviceId
      // Nothing to publish or rotate: done without loading the keys (or their code).
      if (!fresh && !low && done.signedPrekeyAt !== undefined && this.#now() - done.signedPrekeyAt <= SIGNED_PREKEY_MAX_AGE) return
      const keys = await this.keys()
      const context = { keys: this.#p.keys, storage: this.#storage, http: this.#http, now: this.#now }
      await (await ops()).publishKeys(context, keys, { deviceId, fresh, low, relayCount, done })
    }
    const p = (this.#publishing ?? Promise.resolve()).then(run, run)
    this.#publishing = p.catch(() => undefined)
    return p
  }

  /**
   * Compares a peer device's identity key with the one recorded before and records it (in `tx`).
   * A different key is `changed`: the caller must surface it (the `identityChanged` event).
   */
  async checkIdentity(userId: number, deviceId: string, identityKey: Uint8Array, tx: Tx): Promise<IdentityCheck> {
    const key = `${userId}:${deviceId}`
    const seen = await this.#storage.get<{ key: Uint8Array; since: number }>(S.identities, key)
    if (seen && bytesEqual(seen.key, identityKey)) return { kind: 'same' }
    tx.set(S.identities, key, { key: identityKey, since: this.#now() })
    return seen ? { kind: 'changed', previous: seen.key } : { kind: 'new' }
  }

  /** Every identity key recorded for a user's devices. */
  async knownDevices(userId: number): Promise<{ deviceId: string; key: Uint8Array }[]> {
    const rows = await this.#storage.list<{ key: Uint8Array; since: number }>(S.identities, { prefix: `${userId}:` })
    return rows.map((r) => ({ deviceId: r.key.slice(String(userId).length + 1), key: r.value.key }))
  }
}
