/**
 * A device's secret-chat key material (docs/PROTOCOL.md §4.1, published with `PUT /v1/keys`, §6):
 * an Ed25519 identity key `IK`, an X25519 identity key `IKdh` signed by it, a signed X25519 prekey
 * `SPK` and a batch of one-time prekeys `OPK`. Also the check of a peer's bundle.
 *
 * Pure: key generation and signatures come from the injected {@link KeyOps} (WebCrypto in a
 * browser, so they are asynchronous), the clock from `now`. The SDK persists {@link
 * DeviceKeys.toJSON} after every change (a consumed OPK above all: its private key must not come
 * back after a reload).
 * @module
 */
import * as v from 'valibot'
import { wipe } from '../../crypto/ct.js'
import { contextMessage, verifyWithContext } from '../../crypto/keys.js'
import type { CryptoProvider, KeyCrypto, KeyPair } from '../../crypto/provider.js'
import { MtChatError } from '../../errors.js'
import { concatBytes, toBase64, writeU32LE } from '../../util/bytes.js'
import { bytes, date, uint, validate } from '../schemas/common.js'
import { PeerBundleSchema, type PeerBundle, type PublishBundleJson } from '../schemas/secret.js'

/** Most one-time prekeys a device holds (and `PUT /v1/keys` takes) at once. */
export const MAX_ONE_TIME_PREKEYS = 1000

/** What `signed_prekey.sig` covers after its label: u32(spk_id) ‖ SPK_pub (§4.1). */
export function signedPrekeyBody(id: number, key: Uint8Array): Uint8Array {
  const idBytes = new Uint8Array(4)
  writeU32LE(idBytes, 0, id)
  return concatBytes(idBytes, key)
}

/**
 * Checks a peer's bundle (the body of `GET /v1/keys/:userId`): shape first, then both signatures
 * over the exact byte strings of §4.1.
 *
 * @throws MtChatError SECRET_BAD_BUNDLE when malformed; SECRET_BAD_PREKEY_SIGNATURE when a
 *   signature does not verify.
 * @example
 * ```ts
 * const bundle = verifyPeerBundle(nobleProvider, await (await fetch(`/v1/keys/${peer}`)).json())
 * ```
 */
export function verifyPeerBundle(p: CryptoProvider, body: unknown): PeerBundle {
  const parsed = v.safeParse(PeerBundleSchema, body)
  if (!parsed.success) {
    const path = v.getDotPath(parsed.issues[0]) ?? '(root)'
    throw new MtChatError('SECRET_BAD_BUNDLE', `peer bundle: ${path}: ${parsed.issues[0].message}`, {
      op: 'secret.verifyBundle',
      details: { path },
    })
  }
  const b = parsed.output
  if (!verifyWithContext(p, 'identityDh', b.identity_dh_sig, b.identity_dh, b.identity_key))
    throw new MtChatError('SECRET_BAD_PREKEY_SIGNATURE', 'peer bundle: identity_dh_sig does not verify', {
      op: 'secret.verifyBundle',
      details: { field: 'identity_dh_sig' },
    })
  const spk = b.signed_prekey
  if (!verifyWithContext(p, 'signedPrekey', spk.sig, signedPrekeyBody(spk.id, spk.key), b.identity_key))
    throw new MtChatError('SECRET_BAD_PREKEY_SIGNATURE', 'peer bundle: signed_prekey.sig does not verify', {
      op: 'secret.verifyBundle',
      details: { field: 'signed_prekey.sig' },
    })
  return b
}

/**
 * Where {@link DeviceKeys} gets its key pairs and signatures: asynchronous {@link KeyCrypto}, or a
 * synchronous {@link CryptoProvider} (each result is awaited either way).
 */
export type KeyOps = KeyCrypto | CryptoProvider

interface SignedPrekey {
  id: number
  keys: KeyPair
  sig: Uint8Array
  createdAt: number
}

const b64 = (n: number) => bytes({ exact: n })
// v1 kept secrets only (the public keys were derived on load); v2 keeps both, so a start-up loads
// the keys without any curve operation. v1 is still read by `load` (and written back as v2).
const storedV1 = v.strictObject({
  v: v.literal(1),
  identity_key: b64(32),
  identity_dh: b64(32),
  identity_dh_sig: b64(64),
  signed_prekeys: v.pipe(
    v.array(v.strictObject({ id: uint, secret: b64(32), sig: b64(64), created_at: date })),
    v.minLength(1),
  ),
  one_time_prekeys: v.array(v.strictObject({ id: uint, secret: b64(32) })),
  next_id: uint,
})
const storedKeys = v.strictObject({
  v: v.literal(2),
  identity_key: b64(32),
  identity_pub: b64(32),
  identity_dh: b64(32),
  identity_dh_pub: b64(32),
  identity_dh_sig: b64(64),
  signed_prekeys: v.pipe(
    v.array(v.strictObject({ id: uint, secret: b64(32), key: b64(32), sig: b64(64), created_at: date })),
    v.minLength(1),
  ),
  one_time_prekeys: v.array(v.strictObject({ id: uint, secret: b64(32), key: b64(32) })),
  next_id: uint,
})

/** The JSON-safe stored form of {@link DeviceKeys} (base64 secrets: keep it in the device's storage only). */
export type DeviceKeysJson = v.InferInput<typeof storedKeys>

const pair = async (secretKey: Uint8Array, derive: (sk: Uint8Array) => Uint8Array | Promise<Uint8Array>): Promise<KeyPair> => ({
  secretKey,
  publicKey: await derive(secretKey),
})

/**
 * A device's identity and prekeys. Mutable: {@link DeviceKeys.replenish}, {@link
 * DeviceKeys.rotateSignedPrekey} and {@link DeviceKeys.markOneTimePrekeyUsed} change it; persist
 * {@link DeviceKeys.toJSON} afterwards.
 *
 * @example
 * ```ts
 * const keys = await DeviceKeys.generate(crypto.keys, { oneTimePrekeys: 100 })
 * await fetch('/v1/keys', { method: 'PUT', body: JSON.stringify(keys.publicBundle('laptop')) })
 * await store.put('device-keys', keys.toJSON())
 * ```
 */
export class DeviceKeys {
  readonly #identity: KeyPair
  readonly #identityDh: KeyPair
  readonly #identityDhSig: Uint8Array
  // Newest last. Older ones stay a while for inits that were made from an older bundle.
  #signedPrekeys: SignedPrekey[]
  readonly #oneTime = new Map<number, KeyPair>()
  #nextId: number

  private constructor(identity: KeyPair, identityDh: KeyPair, identityDhSig: Uint8Array, signedPrekeys: SignedPrekey[], nextId: number) {
    this.#identity = identity
    this.#identityDh = identityDh
    this.#identityDhSig = identityDhSig
    this.#signedPrekeys = signedPrekeys
    this.#nextId = nextId
  }

  /** Fresh key material: identity keys, one signed prekey and `oneTimePrekeys` one-time prekeys. */
  static async generate(k: KeyOps, opts: { oneTimePrekeys?: number; now?: () => number } = {}): Promise<DeviceKeys> {
    const identity = await k.ed25519Keygen()
    const identityDh = await k.x25519Keygen()
    const sig = await k.ed25519Sign(contextMessage('identityDh', identityDh.publicKey), identity.secretKey)
    const keys = new DeviceKeys(identity, identityDh, sig, [], 1)
    keys.#signedPrekeys.push(await keys.#newSignedPrekey(k, (opts.now ?? Date.now)()))
    await keys.replenish(k, opts.oneTimePrekeys ?? 100)
    return keys
  }

  /** Restores keys saved with {@link DeviceKeys.toJSON}; SCHEMA_INVALID when the JSON is damaged. */
  static fromJSON(json: unknown): DeviceKeys {
    const s = validate(storedKeys, json, 'secret.deviceKeys.fromJSON')
    const keys = new DeviceKeys(
      { secretKey: s.identity_key, publicKey: s.identity_pub },
      { secretKey: s.identity_dh, publicKey: s.identity_dh_pub },
      s.identity_dh_sig,
      s.signed_prekeys.map((x) => ({ id: x.id, keys: { secretKey: x.secret, publicKey: x.key }, sig: x.sig, createdAt: x.created_at })),
      s.next_id,
    )
    for (const x of s.one_time_prekeys) keys.#oneTime.set(x.id, { secretKey: x.secret, publicKey: x.key })
    return keys
  }

  /**
   * {@link DeviceKeys.fromJSON} for every stored form: the first one (v1, secrets only, from
   * before public keys were stored) has its public keys derived.
   */
  static async load(k: KeyOps, json: unknown): Promise<DeviceKeys> {
    if ((json as { v?: unknown } | null)?.v !== 1) return DeviceKeys.fromJSON(json)
    const s = validate(storedV1, json, 'secret.deviceKeys.fromJSON')
    const x25519 = (sk: Uint8Array) => k.x25519PublicKey(sk)
    const spks: SignedPrekey[] = []
    for (const x of s.signed_prekeys) spks.push({ id: x.id, keys: await pair(x.secret, x25519), sig: x.sig, createdAt: x.created_at })
    const keys = new DeviceKeys(await pair(s.identity_key, (sk) => k.ed25519PublicKey(sk)), await pair(s.identity_dh, x25519), s.identity_dh_sig, spks, s.next_id)
    for (const x of s.one_time_prekeys) keys.#oneTime.set(x.id, await pair(x.secret, x25519))
    return keys
  }

  /** The Ed25519 identity public key `IK` (32 bytes, a copy). */
  get identityKey(): Uint8Array {
    return this.#identity.publicKey.slice()
  }

  /** The X25519 identity public key `IKdh` (32 bytes, a copy). */
  get identityDh(): Uint8Array {
    return this.#identityDh.publicKey.slice()
  }

  /** `identity_dh_sig` (64 bytes, a copy). */
  get identityDhSig(): Uint8Array {
    return this.#identityDhSig.slice()
  }

  /** The current signed prekey (public part). */
  get signedPrekey(): { id: number; key: Uint8Array; sig: Uint8Array; createdAt: number } {
    const spk = this.#signedPrekeys[this.#signedPrekeys.length - 1]
    return { id: spk.id, key: spk.keys.publicKey.slice(), sig: spk.sig.slice(), createdAt: spk.createdAt }
  }

  /** Ids of the one-time prekeys still held, ascending. */
  get oneTimePrekeyIds(): number[] {
    return [...this.#oneTime.keys()].sort((a, b) => a - b)
  }

  /** Generates one-time prekeys until `target` are held (at most {@link MAX_ONE_TIME_PREKEYS}); returns the new ids. */
  async replenish(k: KeyOps, target: number): Promise<number[]> {
    if (!Number.isInteger(target) || target < 0 || target > MAX_ONE_TIME_PREKEYS)
      throw new RangeError(`"target" expected an integer in 0..${MAX_ONE_TIME_PREKEYS}, got ${target}`)
    const fresh = await Promise.all(Array.from({ length: Math.max(0, target - this.#oneTime.size) }, () => k.x25519Keygen()))
    return fresh.map((keys) => {
      const id = this.#takeId()
      this.#oneTime.set(id, keys)
      return id
    })
  }

  /**
   * Makes a new signed prekey current. The `keep` previous ones stay for inits made from an
   * older bundle; older ones are zeroized.
   */
  async rotateSignedPrekey(k: KeyOps, opts: { now?: () => number; keep?: number } = {}): Promise<void> {
    this.#signedPrekeys.push(await this.#newSignedPrekey(k, (opts.now ?? Date.now)()))
    const keep = 1 + (opts.keep ?? 1)
    while (this.#signedPrekeys.length > keep) wipe(this.#signedPrekeys.shift()!.keys.secretKey)
  }

  /**
   * The body of `PUT /v1/keys` (§6), JSON-safe. By default it carries every one-time prekey held;
   * pass `oneTimePrekeys` (e.g. the ids {@link DeviceKeys.replenish} returned) to upload only those.
   */
  publicBundle(deviceId: string, opts: { oneTimePrekeys?: readonly number[] } = {}): PublishBundleJson {
    const spk = this.signedPrekey
    const ids = opts.oneTimePrekeys ?? this.oneTimePrekeyIds
    return {
      device_id: deviceId,
      identity_key: toBase64(this.#identity.publicKey),
      identity_dh: toBase64(this.#identityDh.publicKey),
      identity_dh_sig: toBase64(this.#identityDhSig),
      signed_prekey: { id: spk.id, key: toBase64(spk.key), sig: toBase64(spk.sig) },
      one_time_prekeys: ids.flatMap((id) => {
        const k = this.#oneTime.get(id)
        return k ? [{ id, key: toBase64(k.publicKey) }] : []
      }),
    }
  }

  /** A copy of the X25519 identity secret (the caller zeroizes it). For the X3DH of §4.1. */
  identityDhSecret(): Uint8Array {
    return this.#identityDh.secretKey.slice()
  }

  /** A copy of the signed prekey secret with `id`, or undefined when rotated out. */
  signedPrekeySecret(id: number): Uint8Array | undefined {
    return this.#signedPrekeys.find((k) => k.id === id)?.keys.secretKey.slice()
  }

  /** A copy of the one-time prekey secret with `id`, or undefined when used or unknown. */
  oneTimePrekeySecret(id: number): Uint8Array | undefined {
    return this.#oneTime.get(id)?.secretKey.slice()
  }

  /** Deletes and zeroizes a one-time prekey after its first use (§4.1). Returns whether it was held. */
  markOneTimePrekeyUsed(id: number): boolean {
    const k = this.#oneTime.get(id)
    if (!k) return false
    wipe(k.secretKey)
    this.#oneTime.delete(id)
    return true
  }

  /** The stored form, with secrets in base64. Keep it in the device's storage only. */
  toJSON(): DeviceKeysJson {
    return {
      v: 2,
      identity_key: toBase64(this.#identity.secretKey),
      identity_pub: toBase64(this.#identity.publicKey),
      identity_dh: toBase64(this.#identityDh.secretKey),
      identity_dh_pub: toBase64(this.#identityDh.publicKey),
      identity_dh_sig: toBase64(this.#identityDhSig),
      signed_prekeys: this.#signedPrekeys.map((k) => ({
        id: k.id,
        secret: toBase64(k.keys.secretKey),
        key: toBase64(k.keys.publicKey),
        sig: toBase64(k.sig),
        created_at: k.createdAt,
      })),
      one_time_prekeys: this.oneTimePrekeyIds.map((id) => {
        const k = this.#oneTime.get(id)!
        return { id, secret: toBase64(k.secretKey), key: toBase64(k.publicKey) }
      }),
      next_id: this.#nextId,
    }
  }

  /** Zeroizes every secret; the object is unusable afterwards. */
  wipe(): void {
    wipe(this.#identity.secretKey, this.#identityDh.secretKey)
    for (const k of this.#signedPrekeys) wipe(k.keys.secretKey)
    for (const k of this.#oneTime.values()) wipe(k.secretKey)
    this.#oneTime.clear()
  }

  async #newSignedPrekey(k: KeyOps, createdAt: number): Promise<SignedPrekey> {
    const keys = await k.x25519Keygen()
    const id = this.#takeId()
    const sig = await k.ed25519Sign(contextMessage('signedPrekey', signedPrekeyBody(id, keys.publicKey)), this.#identity.secretKey)
    return { id, keys, sig, createdAt }
  }

  #takeId(): number {
    // u32 ids (§4.1 signs u32(spk_id)); after 2^32 − 1 keys wrap to 1, long after old ones are gone.
    const id = this.#nextId
    this.#nextId = id >= 0xffffffff ? 1 : id + 1
    return id
  }
}

