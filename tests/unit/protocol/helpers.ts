/**
 * Test helpers for layer 1: providers with predictable randomness (for the worked example of
 * docs/PROTOCOL.md and for exact-bytes assertions), a clock the test moves, a handshaken
 * client/relay session pair, and a way to craft frames a correct sender would never make.
 */
import { clientCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import type { CryptoProvider } from '../../../sdk/crypto/provider.js'
import { sealFrame } from '../../../sdk/protocol/frame.js'
import { ClientHandshake, RelayHandshake } from '../../../sdk/protocol/handshake.js'
import type { HandshakeKeys } from '../../../sdk/protocol/handshake-codec.js'
import { Session, type SessionOptions } from '../../../sdk/protocol/session.js'
import { FROM_CLIENT, FROM_RELAY } from '../../../sdk/protocol/schemas/registry.js'
import { writeU32LE, writeU64LE } from '../../../sdk/util/bytes.js'

/** noble, except that randomBytes yields the byte sequence start, start+1, … (mod 256). */
export function countingProvider(start = 0): CryptoProvider {
  let next = start
  const randomBytes = (n: number) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = next++ & 0xff
    return out
  }
  return {
    ...nobleProvider,
    name: 'counting',
    randomBytes,
    x25519Keygen() {
      const secretKey = randomBytes(32)
      return { secretKey, publicKey: nobleProvider.x25519PublicKey(secretKey) }
    },
    ed25519Keygen() {
      const secretKey = randomBytes(32)
      return { secretKey, publicKey: nobleProvider.ed25519PublicKey(secretKey) }
    },
  }
}

/**
 * noble, except that randomBytes and the key generators hand out the given values in order
 * (a key generator takes the next value as its secret key). Throws when the script runs out or a
 * length does not match, so a test notices a change in what is drawn.
 */
export function scriptedProvider(values: Uint8Array[]): CryptoProvider & { generated: Uint8Array[] } {
  const queue = [...values]
  const take = (n: number) => {
    const v = queue.shift()
    if (!v) throw new Error('scripted provider: out of values')
    if (v.length !== n) throw new Error(`scripted provider: wanted ${n} bytes, script has ${v.length}`)
    return v.slice()
  }
  const generated: Uint8Array[] = []
  return {
    ...nobleProvider,
    name: 'scripted',
    generated,
    randomBytes: take,
    x25519Keygen() {
      const secretKey = take(32)
      generated.push(secretKey)
      return { secretKey, publicKey: nobleProvider.x25519PublicKey(secretKey) }
    },
    ed25519Keygen() {
      const secretKey = take(32)
      return { secretKey, publicKey: nobleProvider.ed25519PublicKey(secretKey) }
    },
  }
}

/** noble that remembers every X25519 secret it generated (to check they get wiped). */
export function recordingProvider(): CryptoProvider & { secrets: Uint8Array[] } {
  const secrets: Uint8Array[] = []
  return {
    ...nobleProvider,
    secrets,
    x25519Keygen() {
      const kp = nobleProvider.x25519Keygen()
      secrets.push(kp.secretKey)
      return kp
    },
  }
}

/** A clock the test sets; starts at a fixed, realistic time. */
export function testClock(start = 1_750_000_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => void (clock.t += ms) }
  return clock
}

/** Everything a session test needs: a relay key, both handshakes done, both sessions. */
export async function sessionPair(opts: { clock?: ReturnType<typeof testClock>; client?: Partial<SessionOptions<'client'>>; relay?: Partial<SessionOptions<'relay'>> } = {}) {
  const clock = opts.clock ?? testClock()
  const p = nobleProvider
  const server = p.ed25519Keygen()
  const ch = new ClientHandshake({ provider: clientCryptoOf(p), now: clock.now, serverKey: server.publicKey })
  const rh = new RelayHandshake({ provider: p, now: clock.now, secretKey: server.secretKey })
  const a = rh.answer(await ch.start())
  if (!a.ok) throw a.error
  const b = await ch.finish(a.frame)
  if (!b.ok) throw b.error
  const keys: HandshakeKeys = { ...b.keys, authKey: b.keys.authKey.slice() }
  const client = new Session({ role: 'client', bodies: FROM_RELAY, provider: p, now: clock.now, ...b.keys, ...opts.client })
  const relay = new Session({ role: 'relay', bodies: FROM_CLIENT, provider: p, now: clock.now, ...a.keys, ...opts.relay })
  return { clock, client, relay, keys, server }
}

/** Plaintext fields for {@link craftFrame}; anything a correct sender would never produce is allowed. */
export interface Craft {
  salt: Uint8Array
  sessionId: Uint8Array
  msgId: bigint
  seqNo: number
  body: Uint8Array
  /** Padding bytes (any length; the total is not realigned). */
  padding: Uint8Array
  /** Overrides the length field. */
  length?: number
}

/** Encrypts an arbitrary plaintext as sender `x` under `keys` (a frame a peer with the key could make). */
export function craftFrame(keys: Pick<HandshakeKeys, 'authKey' | 'authKeyId'>, x: 0 | 8, c: Craft): Uint8Array {
  const pt = new Uint8Array(32 + c.body.length + c.padding.length)
  pt.set(c.salt, 0)
  pt.set(c.sessionId, 8)
  writeU64LE(pt, 16, c.msgId)
  writeU32LE(pt, 24, c.seqNo)
  writeU32LE(pt, 28, c.length ?? c.body.length)
  pt.set(c.body, 32)
  pt.set(c.padding, 32 + c.body.length)
  return sealFrame(nobleProvider, keys.authKey, keys.authKeyId, x, pt)
}
