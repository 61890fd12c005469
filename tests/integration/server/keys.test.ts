/**
 * Key bundles (docs/PROTOCOL.md §4.1, §6 `/v1/keys`): publish with both signatures checked over
 * the exact byte strings of §4.1 (signed here with node:crypto; the relay applies the strict rule),
 * fetch consuming one one-time prekey atomically, exhaustion (signed prekey only), low-prekey
 * notice, device list, identity change fan-out as `update.identity`, and the error codes.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Delivery } from '../../../server/index.js'
import { dbVariants, randomId, startRelay, type TestRelay, type TestUser } from '../../helpers/relay.js'
import { mixedOrderPublicKey, signMixedOrder } from '../../unit/crypto/ed25519-cases.js'
import { ed25519 } from '@noble/curves/ed25519.js'

const variants = await dbVariants()
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')

/** A device's keys, signing exactly as docs/PROTOCOL.md §4.1 says. */
class Device {
  readonly ik: { publicKey: KeyObject; privateKey: KeyObject }
  readonly ikPub: Uint8Array
  readonly ikdh = x25519.getPublicKey(x25519.utils.randomSecretKey())
  constructor(readonly id: string) {
    this.ik = generateKeyPairSync('ed25519')
    this.ikPub = Buffer.from(this.ik.publicKey.export({ format: 'jwk' }).x!, 'base64url')
  }
  sign(parts: Uint8Array[]): Uint8Array {
    return sign(null, Buffer.concat(parts), this.ik.privateKey)
  }
  identityDhSig(): Uint8Array {
    return this.sign([Buffer.from('mt-chat/identity-dh/v1'), this.ikdh])
  }
  signedPrekey(id: number): { id: number; key: string; sig: string } {
    const key = x25519.getPublicKey(x25519.utils.randomSecretKey())
    const idLe = Buffer.alloc(4)
    idLe.writeUInt32LE(id)
    return { id, key: b64(key), sig: b64(this.sign([Buffer.from('mt-chat/signed-prekey/v1'), idLe, key])) }
  }
  bundle(o: { spkId?: number; opkIds?: number[] } = {}): Record<string, unknown> {
    const body: Record<string, unknown> = { device_id: this.id, identity_key: b64(this.ikPub), identity_dh: b64(this.ikdh), identity_dh_sig: b64(this.identityDhSig()) }
    if (o.spkId !== undefined) body.signed_prekey = this.signedPrekey(o.spkId)
    if (o.opkIds) body.one_time_prekeys = o.opkIds.map((id) => ({ id, key: b64(x25519.getPublicKey(x25519.utils.randomSecretKey())) }))
    return body
  }
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i)

describe.each(variants)('key bundles on %s', (db) => {
  let t: TestRelay
  let alice: TestUser
  let bob: TestUser
  beforeAll(async () => {
    t = await startRelay({ db })
    alice = await t.register()
    bob = await t.register()
  })
  afterAll(() => t.close())

  it('publishes a bundle and serves it, consuming one one-time prekey per fetch', async () => {
    const dev = new Device('phone-1')
    const pub = await t.api.put('/v1/keys', dev.bundle({ spkId: 7, opkIds: range(1, 3) }), { token: alice.token })
    expect(pub.status).toBe(200)
    expect(pub.body).toEqual({ one_time_prekeys: 3 })

    const seen = new Set<number>()
    for (let i = 0; i < 3; i++) {
      const res = await t.api.get(`/v1/keys/${alice.id}`, { token: bob.token })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ user_id: alice.id, device_id: 'phone-1', identity_key: b64(dev.ikPub), identity_dh: b64(dev.ikdh), signed_prekey: { id: 7 } })
      seen.add(res.body.one_time_prekey.id)
    }
    expect([...seen].sort()).toEqual([1, 2, 3])
    const exhausted = await t.api.get(`/v1/keys/${alice.id}`, { token: bob.token })
    expect(exhausted.status).toBe(200)
    expect(exhausted.body.one_time_prekey).toBeUndefined()
    expect(exhausted.body.signed_prekey.id).toBe(7)
  })

  it('hands out each one-time prekey once under concurrent fetches', async () => {
    const u = await t.register()
    await t.api.put('/v1/keys', new Device('d').bundle({ spkId: 1, opkIds: range(100, 10) }), { token: u.token })
    const results = await Promise.all(range(0, 16).map(() => t.api.get(`/v1/keys/${u.id}`, { token: bob.token })))
    expect(results.every((r) => r.status === 200)).toBe(true)
    const ids = results.flatMap((r) => (r.body.one_time_prekey ? [r.body.one_time_prekey.id as number] : []))
    expect(ids).toHaveLength(10)
    expect(new Set(ids).size).toBe(10)
  })

  it('tells the device when its one-time prekeys run low (ephemeral update.prekeysLow)', async () => {
    const u = await t.register()
    await t.api.put('/v1/keys', new Device('tab').bundle({ spkId: 1, opkIds: range(1, 11) }), { token: u.token })
    const got: Delivery[] = []
    const off = t.relay.services.bus.subscribe(u.id, (d) => got.push(d))
    await t.api.get(`/v1/keys/${u.id}`, { token: bob.token })
    expect(got).toEqual([])
    await t.api.get(`/v1/keys/${u.id}`, { token: bob.token })
    off()
    expect(got).toEqual([{ userId: u.id, deviceId: 'tab', update: { _: 'update.prekeysLow', device_id: 'tab', count: 9 } }])
    expect(await t.relay.services.keys.prekeyStatus(u.id, 'tab')).toEqual({ count: 9, low: true })
  })

  it('adds one-time prekeys and replaces the signed prekey on a later publish', async () => {
    const u = await t.register()
    const dev = new Device('laptop')
    await t.api.put('/v1/keys', dev.bundle({ spkId: 1, opkIds: [1] }), { token: u.token })
    const more = await t.api.put('/v1/keys', dev.bundle({ spkId: 2, opkIds: [2, 3] }), { token: u.token })
    expect(more.body).toEqual({ one_time_prekeys: 3 })
    const res = await t.api.get(`/v1/keys/${u.id}?device=laptop`, { token: bob.token })
    expect(res.body.signed_prekey.id).toBe(2)
    // Re-publishing an id with the same key is idempotent; with another key it is a conflict.
    const same = dev.bundle({ opkIds: [] })
    expect((await t.api.put('/v1/keys', same, { token: u.token })).status).toBe(200)
    const clash = await t.api.put('/v1/keys', dev.bundle({ opkIds: [2] }), { token: u.token })
    expect(clash.status).toBe(409)
    expect(clash.body.error.code).toBe('CONFLICT')
  })

  it('rejects bad signatures with 400 SECRET_BAD_PREKEY_SIGNATURE and stores nothing', async () => {
    const u = await t.register()
    const dev = new Device('d1')
    const badDh = { ...dev.bundle({ spkId: 1 }), identity_dh_sig: b64(randomBytes(64)) }
    const r1 = await t.api.put('/v1/keys', badDh, { token: u.token })
    expect(r1.status).toBe(400)
    expect(r1.body.error.code).toBe('SECRET_BAD_PREKEY_SIGNATURE')
    const good = dev.bundle({ spkId: 1 })
    const spk = good.signed_prekey as { id: number; key: string; sig: string }
    const wrongId = { ...good, signed_prekey: { ...spk, id: spk.id + 1 } }
    const r2 = await t.api.put('/v1/keys', wrongId, { token: u.token })
    expect(r2.status).toBe(400)
    expect(r2.body.error.code).toBe('SECRET_BAD_PREKEY_SIGNATURE')
    const otherSigner = { ...good, identity_key: b64(new Device('x').ikPub) }
    expect((await t.api.put('/v1/keys', otherSigner, { token: u.token })).body.error.code).toBe('SECRET_BAD_PREKEY_SIGNATURE')
    const fetched = await t.api.get(`/v1/keys/${u.id}`, { token: bob.token })
    expect(fetched.status).toBe(404)
    expect(fetched.body.error.code).toBe('PREKEYS_EXHAUSTED')
  })

  it('applies the strict Ed25519 rule of PROTOCOL §1, not a cofactored one', async () => {
    const u = await t.register()
    const ikdh = x25519.getPublicKey(x25519.utils.randomSecretKey())
    const spk = x25519.getPublicKey(x25519.utils.randomSecretKey())
    const dhMsg = Buffer.concat([Buffer.from('mt-chat/identity-dh/v1'), ikdh])
    const spkMsg = Buffer.concat([Buffer.from('mt-chat/signed-prekey/v1'), Buffer.from([1, 0, 0, 0]), spk])
    const dhSig = signMixedOrder(dhMsg)
    const spkSig = signMixedOrder(spkMsg)
    // A lenient (cofactored) verifier accepts these signatures under the mixed-order key...
    expect(ed25519.verify(dhSig, dhMsg, mixedOrderPublicKey, { zip215: false })).toBe(true)
    expect(ed25519.verify(spkSig, spkMsg, mixedOrderPublicKey, { zip215: false })).toBe(true)
    // ...the relay refuses them, as every client does.
    const body = { device_id: 'mixed', identity_key: b64(mixedOrderPublicKey), identity_dh: b64(ikdh), identity_dh_sig: b64(dhSig), signed_prekey: { id: 1, key: b64(spk), sig: b64(spkSig) } }
    const res = await t.api.put('/v1/keys', body, { token: u.token })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('SECRET_BAD_PREKEY_SIGNATURE')
  })

  it.each([
    ['a first publish without a signed prekey', (d: Device) => d.bundle({ opkIds: [1] })],
    ['a short identity key', (d: Device) => ({ ...d.bundle({ spkId: 1 }), identity_key: b64(randomBytes(31)) })],
    ['a bad device id', (d: Device) => ({ ...d.bundle({ spkId: 1 }), device_id: 'no spaces' })],
    ['an unknown field', (d: Device) => ({ ...d.bundle({ spkId: 1 }), extra: 1 })],
    ['a repeated one-time prekey id', (d: Device) => ({ ...d.bundle({ spkId: 1, opkIds: [5] }), one_time_prekeys: [d.bundle({ opkIds: [5] }).one_time_prekeys, d.bundle({ opkIds: [5] }).one_time_prekeys].flat() })],
  ])('rejects %s with 400', async (_what, make) => {
    const res = await t.api.put('/v1/keys', make(new Device('dx')), { token: alice.token })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('BAD_REQUEST')
  })

  it('lists devices and answers unknown users and devices with 404', async () => {
    const u = await t.register()
    const a = new Device('a')
    await t.api.put('/v1/keys', a.bundle({ spkId: 1 }), { token: u.token })
    await t.api.put('/v1/keys', new Device('b').bundle({ spkId: 1 }), { token: u.token })
    const list = await t.api.get(`/v1/keys/${u.id}/devices`, { token: bob.token })
    expect(list.status).toBe(200)
    expect(list.body.devices.map((d: { device_id: string }) => d.device_id).sort()).toEqual(['a', 'b'])
    expect(list.body.devices.find((d: { device_id: string }) => d.device_id === 'a').identity_key).toBe(b64(a.ikPub))
    expect((await t.api.get('/v1/keys/999999', { token: bob.token })).body.error.code).toBe('PEER_NOT_FOUND')
    expect((await t.api.get(`/v1/keys/${u.id}?device=zzz`, { token: bob.token })).body.error.code).toBe('PREKEYS_EXHAUSTED')
    expect((await t.api.get('/v1/keys/abc', { token: bob.token })).status).toBe(400)
    expect((await t.api.get(`/v1/keys/${u.id}`)).status).toBe(401)
  })

  it('appends update.identity for the owner and everyone sharing a chat when a device identity changes', async () => {
    const owner = await t.register()
    const friend = await t.register()
    const stranger = await t.register()
    await t.api.put('/v1/keys', new Device('main').bundle({ spkId: 1, opkIds: [1, 2] }), { token: owner.token })
    const sent = await t.api.post(`/v1/chats/${friend.id}/messages`, { random_id: randomId(), text: 'hi' }, { token: owner.token })
    expect(sent.status).toBe(201)
    const friendPts = (await t.api.get('/v1/updates?pts=0', { token: friend.token })).body.pts as number
    const strangerPts = (await t.api.get('/v1/updates?pts=0', { token: stranger.token })).body.pts as number

    const replaced = new Device('main')
    const res = await t.api.put('/v1/keys', replaced.bundle({ spkId: 2 }), { token: owner.token })
    expect(res.body).toEqual({ one_time_prekeys: 0 })
    const diff = await t.api.get(`/v1/updates?pts=${friendPts}`, { token: friend.token })
    expect(diff.body.updates).toEqual([{ _: 'update.identity', pts: friendPts + 1, user_id: owner.id, device_id: 'main' }])
    const own = await t.api.get('/v1/updates?pts=0', { token: owner.token })
    expect(own.body.updates.at(-1)).toMatchObject({ _: 'update.identity', user_id: owner.id, device_id: 'main' })
    expect((await t.api.get(`/v1/updates?pts=${strangerPts}`, { token: stranger.token })).body.updates).toEqual([])
    const fetched = await t.api.get(`/v1/keys/${owner.id}`, { token: friend.token })
    expect(fetched.body.identity_key).toBe(b64(replaced.ikPub))
    expect(fetched.body.one_time_prekey).toBeUndefined()
  })
})

describe('key fetch rate limit', () => {
  it('limits bundle fetches per caller (one-time prekeys cannot be drained)', async () => {
    const t = await startRelay({ rateKeys: 3 })
    try {
      const owner = await t.register()
      const drainer = await t.register()
      await t.api.put('/v1/keys', new Device('d').bundle({ spkId: 1, opkIds: range(1, 10) }), { token: owner.token })
      for (let i = 0; i < 3; i++) expect((await t.api.get(`/v1/keys/${owner.id}`, { token: drainer.token })).status).toBe(200)
      const limited = await t.api.get(`/v1/keys/${owner.id}`, { token: drainer.token })
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).not.toBeNull()
      expect(await t.relay.services.keys.prekeyStatus(owner.id, 'd')).toEqual({ count: 7, low: true })
    } finally {
      await t.close()
    }
  })
})
