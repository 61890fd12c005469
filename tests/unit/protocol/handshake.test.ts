import { describe, expect, it } from 'vitest'
import { clientCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { nobleProvider as p } from '../../../sdk/crypto/noble.js'
import { keyId } from '../../../sdk/crypto/mtproto2.js'
import { decodePlainFrame, encodePlainFrame } from '../../../sdk/protocol/frame.js'
import { ClientHandshake, RelayHandshake } from '../../../sdk/protocol/handshake.js'
import { decodeHsInit, decodeHsOk, encodeHsInit, encodeHsOk, HS_INIT_SIZE, HS_OK_SIZE } from '../../../sdk/protocol/handshake-codec.js'
import { msgIdAt } from '../../../sdk/protocol/msg-id.js'
import { recordingProvider, testClock } from './helpers.js'

const server = p.ed25519Keygen()

function pair(opts: { clientNow?: () => number; relayNow?: () => number; provider?: typeof p; relayKey?: Uint8Array; maxClockSkewMs?: number } = {}) {
  const clock = testClock()
  const provider = opts.provider ?? p
  const client = new ClientHandshake({ provider: clientCryptoOf(provider), now: opts.clientNow ?? clock.now, serverKey: server.publicKey, maxClockSkewMs: opts.maxClockSkewMs })
  const relay = new RelayHandshake({ provider, now: opts.relayNow ?? clock.now, secretKey: opts.relayKey ?? server.secretKey })
  return { client, relay, clock }
}

/** Re-signs nothing: flips one byte of the hs_ok body inside its frame. */
function tamper(frame: Uint8Array, bodyOffset: number): Uint8Array {
  const out = frame.slice()
  out[20 + bodyOffset] ^= 0x01
  return out
}

describe('handshake (§2.2)', () => {
  it('gives both ends the same auth_key, auth_key_id and first salt', async () => {
    const { client, relay } = pair()
    const init = (await client.start())
    expect(client.state).toBe('sent')
    const a = relay.answer(init)
    expect(a.ok).toBe(true)
    if (!a.ok) return
    const b = await client.finish(a.frame)
    expect(b.ok).toBe(true)
    if (!b.ok) return
    expect([client.state, relay.state]).toEqual(['done', 'done'])
    expect(b.keys.authKey).toEqual(a.keys.authKey)
    expect(b.keys.authKey.length).toBe(256)
    expect(b.keys.authKeyId).toEqual(keyId(p, b.keys.authKey))
    expect(b.keys.authKeyId).toEqual(a.keys.authKeyId)
    const nonce = decodeHsInit(decodePlainFrame(init).body).nonce
    const serverNonce = decodeHsOk(decodePlainFrame(a.frame).body).serverNonce
    expect(b.keys.salt).toEqual(Uint8Array.from({ length: 8 }, (_, i) => nonce[i] ^ serverNonce[i]))
    expect(a.keys.salt).toEqual(b.keys.salt)
  })

  it('sends a 56-byte hs_init and a 140-byte hs_ok in unencrypted frames with role msg_ids', async () => {
    const { client, relay } = pair()
    const init = (await client.start())
    const a = relay.answer(init)
    if (!a.ok) throw a.error
    const i = decodePlainFrame(init)
    const o = decodePlainFrame(a.frame)
    expect([i.body.length, o.body.length]).toEqual([HS_INIT_SIZE, HS_OK_SIZE])
    expect([HS_INIT_SIZE, HS_OK_SIZE]).toEqual([56, 140])
    expect([i.msgId & 3n, o.msgId & 3n]).toEqual([0n, 1n])
    expect(new TextDecoder().decode(i.body.subarray(0, 4))).toBe('mti1')
    expect(new TextDecoder().decode(o.body.subarray(0, 4))).toBe('mto1')
  })

  it('learns the relay clock offset', async () => {
    const { client, relay } = pair({ clientNow: () => 1_750_000_000_000 - 5000, relayNow: () => 1_750_000_000_000 })
    const a = relay.answer(await client.start())
    if (!a.ok) throw a.error
    const b = await client.finish(a.frame)
    if (!b.ok) throw b.error
    expect(b.keys.timeOffset).toBe(5000)
    expect(a.keys.timeOffset).toBe(0)
  })

  it('aborts with HANDSHAKE_BAD_SIGNATURE when a relay signs with a key other than the pinned one (MITM)', async () => {
    const mitm = p.ed25519Keygen()
    const { client, relay } = pair({ relayKey: mitm.secretKey })
    const a = relay.answer(await client.start())
    if (!a.ok) throw a.error
    const b = await client.finish(a.frame)
    expect(b.ok).toBe(false)
    if (b.ok) return
    expect(b.error.code).toBe('HANDSHAKE_BAD_SIGNATURE')
    expect(b.close).toBe(4001)
    expect(client.state).toBe('failed')
    // No retry on the same handshake with the same pin.
    const again = await client.finish(a.frame)
    expect(again.ok || again.error.code).toBe('HANDSHAKE_BAD_FRAME')
  })

  it('detects every transcript field an active attacker could swap: server_nonce, server_pub, server_time, signature', async () => {
    for (const offset of [20, 36, 40, 68, 76, 139]) {
      const { client, relay } = pair()
      const a = relay.answer(await client.start())
      if (!a.ok) throw a.error
      const b = await client.finish(tamper(a.frame, offset))
      expect(b.ok || b.error.code).toBe('HANDSHAKE_BAD_SIGNATURE')
    }
  })

  it('detects an attacker who replaces the client ephemeral key in hs_init', async () => {
    const { client, relay } = pair()
    const init = decodePlainFrame(await client.start())
    const hs = decodeHsInit(init.body)
    const swapped = encodePlainFrame(init.msgId, encodeHsInit({ ...hs, clientPub: p.x25519Keygen().publicKey }))
    const a = relay.answer(swapped)
    if (!a.ok) throw a.error
    const b = await client.finish(a.frame)
    expect(b.ok || b.error.code).toBe('HANDSHAKE_BAD_SIGNATURE')
  })

  it('rejects an answer that does not echo our nonce with HANDSHAKE_BAD_NONCE', async () => {
    const { client, relay } = pair()
    const a = relay.answer(await client.start())
    if (!a.ok) throw a.error
    const b = await client.finish(tamper(a.frame, 4))
    expect(b.ok || b.error.code).toBe('HANDSHAKE_BAD_NONCE')
  })

  it('rejects a wrong size, tag, frame or state with HANDSHAKE_BAD_FRAME', async () => {
    const { client, relay } = pair()
    const early = await client.finish(new Uint8Array(160))
    expect(early.ok || early.error.code).toBe('HANDSHAKE_BAD_FRAME') // before start()
    const init = (await client.start())
    await expect(client.start()).rejects.toMatchObject({ code: 'INVALID_STATE' })
    const a = relay.answer(init)
    if (!a.ok) throw a.error
    const body = decodePlainFrame(a.frame).body
    const msgId = decodePlainFrame(a.frame).msgId
    const cases = [
      encodePlainFrame(msgId, body.subarray(0, 139)),
      encodePlainFrame(msgId, Uint8Array.from([...body, 0])),
      tamper(a.frame, 0), // tag
      encodePlainFrame(msgId + 2n, body), // msg_id ≡ 3 mod 4: not an answer
      a.frame.subarray(0, 100),
    ]
    for (const bad of cases) {
      const { client: c, relay: r } = pair()
      const first = r.answer(await c.start())
      if (!first.ok) throw first.error
      const res = await c.finish(bad)
      expect(res.ok || res.error.code).toBe('HANDSHAKE_BAD_FRAME')
      expect(res.ok || res.close).toBe(4001)
    }
  })

  it('relay: refuses a second hs_init, a malformed one, an unknown layer, client bits ≠ 0 and a low-order key', async () => {
    const { client, relay } = pair()
    const init = (await client.start())
    expect(relay.answer(init).ok).toBe(true)
    const second = relay.answer(init)
    expect(second.ok || second.error.code).toBe('HANDSHAKE_BAD_FRAME')

    const hs = decodeHsInit(decodePlainFrame(init).body)
    const id = msgIdAt(1_750_000_000_000) & ~3n
    const lowOrder = new Uint8Array(32) // the all-zero point
    const bad = [
      encodePlainFrame(id, encodeHsInit({ ...hs, layer: 99 })),
      encodePlainFrame(id | 1n, encodeHsInit(hs)),
      encodePlainFrame(id, encodeHsInit(hs).subarray(0, 55)),
      encodePlainFrame(id, encodeHsOk({ nonce: hs.nonce, serverNonce: hs.nonce, serverPub: hs.clientPub, serverTime: 1, signature: new Uint8Array(64) })),
      encodePlainFrame(id, encodeHsInit({ ...hs, clientPub: lowOrder })),
      new Uint8Array(10),
    ]
    for (const frame of bad) {
      const r = new RelayHandshake({ provider: p, now: Date.now, secretKey: server.secretKey }).answer(frame)
      expect(r.ok || r.error.code).toBe('HANDSHAKE_BAD_FRAME')
      expect(r.ok || r.close).toBe(4001)
    }
  })

  it('client: refuses a relay clock beyond maxClockSkewMs with HANDSHAKE_CLOCK_SKEW', async () => {
    const { client, relay } = pair({ clientNow: () => 1_750_000_000_000, relayNow: () => 1_750_000_000_000 + 3_600_000, maxClockSkewMs: 600_000 })
    const a = relay.answer(await client.start())
    if (!a.ok) throw a.error
    const b = await client.finish(a.frame)
    expect(b.ok || b.error.code).toBe('HANDSHAKE_CLOCK_SKEW')
  })

  it('zeroizes both ephemeral X25519 secrets, on success and on failure', async () => {
    const rec = recordingProvider()
    const ok = pair({ provider: rec })
    const a = ok.relay.answer(await ok.client.start())
    if (!a.ok) throw a.error
    expect((await ok.client.finish(a.frame)).ok).toBe(true)
    expect(rec.secrets).toHaveLength(2)
    for (const s of rec.secrets) expect(s.every((b) => b === 0)).toBe(true)

    const rec2 = recordingProvider()
    const bad = pair({ provider: rec2, relayKey: p.ed25519Keygen().secretKey })
    const a2 = bad.relay.answer(await bad.client.start())
    if (!a2.ok) throw a2.error
    expect((await bad.client.finish(a2.frame)).ok).toBe(false)
    for (const s of rec2.secrets) expect(s.every((b) => b === 0)).toBe(true)
  })

  it('insists on a 32-byte pinned key', async () => {
    expect(() => new ClientHandshake({ provider: clientCryptoOf(p), now: Date.now, serverKey: new Uint8Array(31) })).toThrow(RangeError)
  })
})

describe('relay handshake with an external signer', () => {
  it('signs through the sign() callback (a key held as a node:crypto KeyObject) and the client accepts it', async () => {
    const clock = testClock()
    const signed: Uint8Array[] = []
    const relay = new RelayHandshake({
      provider: p,
      now: clock.now,
      sign: (m) => {
        signed.push(m)
        return p.ed25519Sign(m, server.secretKey)
      },
    })
    const client = new ClientHandshake({ provider: clientCryptoOf(p), now: clock.now, serverKey: server.publicKey })
    const a = relay.answer(await client.start())
    if (!a.ok) throw a.error
    expect((await client.finish(a.frame)).ok).toBe(true)
    expect(signed).toHaveLength(1)
    expect(signed[0]).toHaveLength(128)
  })

  it('a signer returning anything but 64 bytes fails the handshake with INTERNAL, and no key', async () => {
    const relay = new RelayHandshake({ provider: p, now: Date.now, sign: () => new Uint8Array(63) })
    const client = new ClientHandshake({ provider: clientCryptoOf(p), now: Date.now, serverKey: server.publicKey })
    const r = relay.answer(await client.start())
    expect(r.ok || [r.error.code, r.close]).toEqual(['INTERNAL', 4001])
  })

  it('a failing signer still zeroizes the X25519 shared secret it had computed', async () => {
    const shared: Uint8Array[] = []
    const provider = { ...p, x25519: (sk: Uint8Array, pk: Uint8Array) => shared[shared.push(p.x25519(sk, pk)) - 1] }
    const relay = new RelayHandshake({ provider, now: Date.now, sign: () => new Uint8Array(63) })
    const client = new ClientHandshake({ provider: clientCryptoOf(p), now: Date.now, serverKey: server.publicKey })
    expect(relay.answer(await client.start()).ok).toBe(false)
    expect(shared).toHaveLength(1)
    expect(shared[0].every((b) => b === 0)).toBe(true)
  })

  it('needs a 32-byte seed when there is no signer', async () => {
    expect(() => new RelayHandshake({ provider: p, now: Date.now })).toThrow(TypeError)
    expect(() => new RelayHandshake({ provider: p, now: Date.now, secretKey: new Uint8Array(31) })).toThrow(RangeError)
  })
})
