/**
 * A device's secret-chat key material (docs/PROTOCOL.md §4.1, published with `PUT /v1/keys`, §6):
 * an Ed25519 identity key `IK`, an X25519 identity key `IKdh` signed by it, a signed X25519 prekey
 * `SPK` and a batch of one-time prekeys `OPK`. Also the check of a peer's bundle.
 *
 * Pure: randomness comes from the injected CryptoProvider, the clock from `now`. The SDK persists
 * {@link DeviceKeys.toJSON} after every change (a consumed OPK above all: its private key must not
 * come back after a reload).
 * @module
 */
import * as v from 'valibot'
import { wipe } from '../../crypto/ct.js'
import { signWithContext, verifyWithContext } from '../../crypto/keys.js'
import type { CryptoProvider, KeyPair } from '../../crypto/provider.js'
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

interface SignedPrekey {
  id: number
  keys: KeyPair
  sig: Uint8Array
  createdAt: number
}

const b64 = (n: number) => bytes({ exact: n })
const storedKeys = v.strictObject({
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

/** The JSON-safe stored form of {@link DeviceKeys} (base64 secrets: keep it in the device's storage only). */
export type DeviceKeysJson = v.InferInput<typeof storedKeys>

/**
 * A device's identity and prekeys. Mutable: {@link DeviceKeys.replenish}, {@link
 * DeviceKeys.rotateSignedPrekey} and {@link DeviceKeys.markOneTimePrekeyUsed} change it; persist
 * {@link DeviceKeys.toJSON} afterwards.
 *
 * @example
 * ```ts
 * const keys = DeviceKeys.generate(nobleProvider, { oneTimePrekeys: 100 })
 * await fetch('/v1/keys', { method: 'PUT', body: JSON.stringify(keys.publicBundle('laptop')) })
 * await store.put('device-keys', keys.toJSON())
 * ```
 */
export class DeviceKeys {
  readonly #p: CryptoProvider
  readonly #identity: KeyPair
  readonly #identityDh: KeyPair
  readonly #identityDhSig: Uint8Array
  // Newest last. Older ones stay a while for inits that were made from an older bundle.
  #signedPrekeys: SignedPrekey[]
  readonly #oneTime = new Map<number, KeyPair>()
  #nextId: number

  private constructor(
    p: CryptoProvider,
    identity: KeyPair,
    identityDh: KeyPair,
    identityDhSig: Uint8Array,
    signedPrekeys: SignedPrekey[],
    nextId: number,
  ) {
    this.#p = p
    this.#identity = identity
    this.#identityDh = identityDh
    this.#identityDhSig = identityDhSig
    this.#signedPrekeys = signedPrekeys
    this.#nextId = nextId
  }

  /** Fresh key material: identity keys, one signed prekey and `oneTimePrekeys` one-time prekeys. */
  static generate(p: CryptoProvider, opts: { oneTimePrekeys?: number; now?: () => number } = {}): DeviceKeys {
    const identity = p.ed25519Keygen()
    const identityDh = p.x25519Keygen()
    const sig = signWithContext(p, 'identityDh', identityDh.publicKey, identity.secretKey)
    const keys = new DeviceKeys(p, identity, identityDh, sig, [], 1)
    keys.#signedPrekeys.push(keys.#newSignedPrekey((opts.now ?? Date.now)()))
    keys.replenish(opts.oneTimePrekeys ?? 100)
    return keys
  }

  /** Restores keys saved with {@link DeviceKeys.toJSON}; SCHEMA_INVALID when the JSON is damaged. */
  static fromJSON(p: CryptoProvider, json: unknown): DeviceKeys {
    const s = validate(storedKeys, json, 'secret.deviceKeys.fromJSON')
    const identity = { secretKey: s.identity_key, publicKey: p.ed25519PublicKey(s.identity_key) }
    const identityDh = { secretKey: s.identity_dh, publicKey: p.x25519PublicKey(s.identity_dh) }
    const spks = s.signed_prekeys.map((k) => ({
      id: k.id,
      keys: { secretKey: k.secret, publicKey: p.x25519PublicKey(k.secret) },
      sig: k.sig,
      createdAt: k.created_at,
    }))
    const keys = new DeviceKeys(p, identity, identityDh, s.identity_dh_sig, spks, s.next_id)
    for (const k of s.one_time_prekeys)
      keys.#oneTime.set(k.id, { secretKey: k.secret, publicKey: p.x25519PublicKey(k.secret) })
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
  replenish(target: number): number[] {
    if (!Number.isInteger(target) || target < 0 || target > MAX_ONE_TIME_PREKEYS)
      throw new RangeError(`"target" expected an integer in 0..${MAX_ONE_TIME_PREKEYS}, got ${target}`)
    const added: number[] = []
    while (this.#oneTime.size < target) {
      const id = this.#takeId()
      this.#oneTime.set(id, this.#p.x25519Keygen())
      added.push(id)
    }
    return added
  }

  /**
   * Makes a new signed prekey current. The `keep` previous ones stay for inits made from an
   * older bundle; older ones are zeroized.
   */
  rotateSignedPrekey(opts: { now?: () => number; keep?: number } = {}): void {
    this.#signedPrekeys.push(this.#newSignedPrekey((opts.now ?? Date.now)()))
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
      v: 1,
      identity_key: toBase64(this.#identity.secretKey),
      identity_dh: toBase64(this.#identityDh.secretKey),
      identity_dh_sig: toBase64(this.#identityDhSig),
      signed_prekeys: this.#signedPrekeys.map((k) => ({
        id: k.id,
        secret: toBase64(k.keys.secretKey),
        sig: toBase64(k.sig),
        created_at: k.createdAt,
      })),
      one_time_prekeys: this.oneTimePrekeyIds.map((id) => ({ id, secret: toBase64(this.#oneTime.get(id)!.secretKey) })),
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

  #newSignedPrekey(createdAt: number): SignedPrekey {
    const id = this.#takeId()
    const keys = this.#p.x25519Keygen()
    const sig = signWithContext(this.#p, 'signedPrekey', signedPrekeyBody(id, keys.publicKey), this.#identity.secretKey)
    return { id, keys, sig, createdAt }
  }

  #takeId(): number {
    // u32 ids (§4.1 signs u32(spk_id)); after 2^32 − 1 keys wrap to 1, long after old ones are gone.
    const id = this.#nextId
    this.#nextId = id >= 0xffffffff ? 1 : id + 1
    return id
  }
}

