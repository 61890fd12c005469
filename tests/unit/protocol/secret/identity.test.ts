/**
 * Device key material and bundle checks (docs/PROTOCOL.md §4.1, §6). Signatures are cross-checked
 * with node:crypto over byte strings built here independently from the spec.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { keyCryptoOf } from '../../../../sdk/crypto/client-crypto.js'
import { nodeProvider } from '../../../../sdk/crypto/node.js'
import { platformSubtle, webCryptoKeys } from '../../../../sdk/crypto/webcrypto-keys.js'
import { DeviceKeys, verifyPeerBundle } from '../../../../sdk/protocol/secret/identity.js'
import { PublishBundleSchema } from '../../../../sdk/protocol/schemas/secret.js'
import { fromBase64, toBase64 } from '../../../../sdk/util/bytes.js'
import { clock, p, relayBundle } from './harness.js'

const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex')
const nodeEd25519Verify = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) =>
  nodeVerify(null, msg, createPublicKey({ key: Buffer.concat([ED25519_SPKI, pub]), format: 'der', type: 'spki' }), sig)

function flip(b64: string, byte = 0): string {
  const b = fromBase64(b64)
  b[byte] ^= 1
  return toBase64(b)
}

describe('DeviceKeys', () => {
  it('publishes a bundle whose signatures cover the exact byte strings of §4.1 (checked with node:crypto)', async () => {
    const keys = await DeviceKeys.generate(p, { oneTimePrekeys: 5 })
    const bundle = keys.publicBundle('laptop')
    expect(v.safeParse(PublishBundleSchema, bundle).success).toBe(true)
    expect(bundle.one_time_prekeys).toHaveLength(5)
    const ik = fromBase64(bundle.identity_key)
    const idDh = Buffer.concat([Buffer.from('mt-chat/identity-dh/v1'), fromBase64(bundle.identity_dh)])
    expect(nodeEd25519Verify(ik, idDh, fromBase64(bundle.identity_dh_sig))).toBe(true)
    const spk = bundle.signed_prekey!
    const id = Buffer.alloc(4)
    id.writeUInt32LE(spk.id)
    const spkMsg = Buffer.concat([Buffer.from('mt-chat/signed-prekey/v1'), id, fromBase64(spk.key)])
    expect(nodeEd25519Verify(ik, spkMsg, fromBase64(spk.sig))).toBe(true)
  })

  it('deletes a one-time prekey after its first use, from memory and from the stored form', async () => {
    const keys = await DeviceKeys.generate(p, { oneTimePrekeys: 3 })
    const [first] = keys.oneTimePrekeyIds
    const secret = keys.toJSON().one_time_prekeys.find((k) => k.id === first)!.secret
    expect(keys.oneTimePrekeySecret(first)).toBeDefined()
    expect(keys.markOneTimePrekeyUsed(first)).toBe(true)
    expect(keys.markOneTimePrekeyUsed(first)).toBe(false)
    expect(keys.oneTimePrekeySecret(first)).toBeUndefined()
    expect(keys.oneTimePrekeyIds).not.toContain(first)
    expect(JSON.stringify(keys.toJSON())).not.toContain(secret)
    expect(keys.publicBundle('d').one_time_prekeys!.map((k) => k.id)).not.toContain(first)
  })

  it('replenishes to a target with fresh, unique ids and uploads only the new ones on request', async () => {
    const keys = await DeviceKeys.generate(p, { oneTimePrekeys: 2 })
    const old = keys.oneTimePrekeyIds
    keys.markOneTimePrekeyUsed(old[0])
    const added = await keys.replenish(p, 4)
    expect(added).toHaveLength(3)
    expect(new Set([...old, ...added]).size).toBe(old.length + added.length)
    expect(keys.oneTimePrekeyIds).toHaveLength(4)
    expect(keys.publicBundle('d', { oneTimePrekeys: added }).one_time_prekeys!.map((k) => k.id)).toEqual(added)
    expect(await keys.replenish(p, 4)).toEqual([])
    await expect(keys.replenish(p, -1)).rejects.toThrow(RangeError)
    await expect(keys.replenish(p, 1001)).rejects.toThrow(RangeError)
  })

  it('rotates the signed prekey, keeping the previous one for late inits and zeroizing older ones', async () => {
    const c = clock()
    const keys = await DeviceKeys.generate(p, { oneTimePrekeys: 0, now: c.now })
    const first = keys.signedPrekey.id
    c.advance(1000)
    await keys.rotateSignedPrekey(p, { now: c.now })
    const second = keys.signedPrekey.id
    expect(second).not.toBe(first)
    expect(keys.signedPrekey.createdAt).toBe(c.now())
    expect(keys.signedPrekeySecret(first)).toBeDefined()
    await keys.rotateSignedPrekey(p, { now: c.now })
    expect(keys.signedPrekeySecret(first)).toBeUndefined()
    expect(keys.signedPrekeySecret(second)).toBeDefined()
    expect(keys.toJSON().signed_prekeys).toHaveLength(2)
  })

  it('round-trips through its JSON-safe stored form', async () => {
    const keys = await DeviceKeys.generate(p, { oneTimePrekeys: 3 })
    const json = JSON.parse(JSON.stringify(keys.toJSON()))
    const back = DeviceKeys.fromJSON(json)
    expect(back.toJSON()).toEqual(keys.toJSON())
    expect(back.publicBundle('x')).toEqual(keys.publicBundle('x'))
    expect(() => DeviceKeys.fromJSON({ ...json, identity_key: 'AAAA' })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    expect(() => DeviceKeys.fromJSON({ ...json, signed_prekeys: [] })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    expect(() => DeviceKeys.fromJSON({ ...json, identity_pub: json.identity_dh_pub })).not.toThrow() // shape only: see load() for v1
    await expect(DeviceKeys.load(p, { ...json, v: 3 })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' })
  })

  it('loads the first stored form (v1: secrets only) by deriving the public keys, the same on every backend', async () => {
    const keys = await DeviceKeys.generate(p, { oneTimePrekeys: 2 })
    const v2 = keys.toJSON()
    const v1 = {
      v: 1,
      identity_key: v2.identity_key,
      identity_dh: v2.identity_dh,
      identity_dh_sig: v2.identity_dh_sig,
      signed_prekeys: v2.signed_prekeys.map(({ key: _k, ...rest }) => rest),
      one_time_prekeys: v2.one_time_prekeys.map(({ key: _k, ...rest }) => rest),
      next_id: v2.next_id,
    }
    for (const k of [p, keyCryptoOf(nodeProvider), webCryptoKeys(platformSubtle(), () => Promise.reject(new Error('no fallback')))]) {
      const back = await DeviceKeys.load(k, JSON.parse(JSON.stringify(v1)))
      expect(back.toJSON()).toEqual(v2)
    }
    expect(() => DeviceKeys.fromJSON(v1)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    await expect(DeviceKeys.load(p, { ...v1, identity_key: 'AAAA' })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' })
  })

  it('generates on WebCrypto key operations a bundle the strict synchronous check accepts', async () => {
    const keys = await DeviceKeys.generate(webCryptoKeys(platformSubtle(), () => Promise.reject(new Error('no fallback'))), { oneTimePrekeys: 2 })
    expect(verifyPeerBundle(p, relayBundle(keys)).one_time_prekey).toBeDefined()
    expect(verifyPeerBundle(nodeProvider, relayBundle(keys)).identity_key).toEqual(keys.identityKey)
  })

  it('wipe() zeroizes every secret', async () => {
    const keys = await DeviceKeys.generate(p, { oneTimePrekeys: 2 })
    const secrets = [keys.identityDhSecret(), keys.signedPrekeySecret(keys.signedPrekey.id)!]
    keys.wipe()
    expect(keys.identityDhSecret().every((b) => b === 0)).toBe(true)
    expect(keys.signedPrekeySecret(keys.signedPrekey.id)!.every((b) => b === 0)).toBe(true)
    expect(keys.oneTimePrekeyIds).toEqual([])
    // The copies handed out before stay the caller's to wipe.
    expect(secrets[0].some((b) => b !== 0)).toBe(true)
  })
})

const bundleKeys = await DeviceKeys.generate(p, { oneTimePrekeys: 1 })

describe('verifyPeerBundle', () => {
  const keys = bundleKeys
  const good = relayBundle(keys)

  it('accepts a correct bundle, with or without a one-time prekey', async () => {
    const b = verifyPeerBundle(p, good)
    expect(toBase64(b.identity_key)).toBe(good.identity_key)
    expect(b.one_time_prekey?.id).toBe(good.one_time_prekey!.id)
    expect(verifyPeerBundle(p, relayBundle(keys, { withOneTimePrekey: false })).one_time_prekey).toBeUndefined()
  })

  it('refuses an invalid signed-prekey signature (SECRET_BAD_PREKEY_SIGNATURE)', async () => {
    const bad = { ...good, signed_prekey: { ...good.signed_prekey, sig: flip(good.signed_prekey.sig) } }
    expect(() => verifyPeerBundle(p, bad)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PREKEY_SIGNATURE', details: { field: 'signed_prekey.sig' } }))
  })

  it('refuses a signed prekey swapped for another key, or with another id (both are signed)', async () => {
    const other = (await DeviceKeys.generate(p, { oneTimePrekeys: 0 })).signedPrekey
    const swapped = { ...good, signed_prekey: { ...good.signed_prekey, key: toBase64(other.key) } }
    expect(() => verifyPeerBundle(p, swapped)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PREKEY_SIGNATURE' }))
    const renumbered = { ...good, signed_prekey: { ...good.signed_prekey, id: good.signed_prekey.id + 1 } }
    expect(() => verifyPeerBundle(p, renumbered)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PREKEY_SIGNATURE' }))
  })

  it('refuses an invalid identity_dh signature (SECRET_BAD_PREKEY_SIGNATURE)', async () => {
    const bad = { ...good, identity_dh_sig: flip(good.identity_dh_sig, 10) }
    expect(() => verifyPeerBundle(p, bad)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PREKEY_SIGNATURE', details: { field: 'identity_dh_sig' } }))
    // A substituted identity_dh under the genuine signature fails the same way.
    const sub = { ...good, identity_dh: toBase64(p.x25519Keygen().publicKey) }
    expect(() => verifyPeerBundle(p, sub)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PREKEY_SIGNATURE' }))
  })

  it('refuses a malformed bundle (SECRET_BAD_BUNDLE) naming the field', async () => {
    const { signed_prekey: _spk, ...noSpk } = good
    const cases: [unknown, string][] = [
      [null, '(root)'],
      [noSpk, 'signed_prekey'],
      [{ ...good, identity_key: toBase64(p.randomBytes(31)) }, 'identity_key'],
      [{ ...good, identity_dh: 'not base64!' }, 'identity_dh'],
      [{ ...good, extra: 1 }, 'extra'],
      [{ ...good, one_time_prekey: { id: -1, key: good.one_time_prekey!.key } }, 'one_time_prekey.id'],
    ]
    for (const [body, path] of cases)
      expect(() => verifyPeerBundle(p, body)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_BUNDLE', details: { path } }))
  })
})
