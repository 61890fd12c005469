/**
 * The chat-key agreement of docs/PROTOCOL.md §4.1, checked against a small reference written here
 * on node:crypto straight from the spec text, and for the zeroization of every DH intermediate.
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CryptoProvider } from '../../../../sdk/crypto/provider.js'
import { deriveInitiator, deriveResponder } from '../../../../sdk/protocol/secret/x3dh.js'
import { toHex } from '../../../../sdk/util/bytes.js'
import { p } from './harness.js'

const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI = Buffer.from('302a300506032b656e032100', 'hex')
const dh = (sk: Uint8Array, pk: Uint8Array) =>
  diffieHellman({
    privateKey: createPrivateKey({ key: Buffer.concat([PKCS8, sk]), format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: Buffer.concat([SPKI, pk]), format: 'der', type: 'spki' }),
  })

/** §4.1 in a dozen lines, on node:crypto. */
function reference(chatId: string, ikA: Uint8Array, ikB: Uint8Array, dhs: Buffer[]) {
  const ikm = Buffer.concat([Buffer.alloc(32, 0xff), ...dhs])
  const info = Buffer.concat([Buffer.from('mt-chat/chat-key/v1'), Buffer.from(chatId, 'hex'), ikA, ikB])
  const key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(32), info, 256))
  return { key: key.toString('hex'), fingerprint: createHash('sha1').update(key).digest().subarray(12, 20).toString('hex') }
}

function parties() {
  return {
    ikA: p.ed25519Keygen().publicKey,
    ikB: p.ed25519Keygen().publicKey,
    idA: p.x25519Keygen(),
    idB: p.x25519Keygen(),
    spkB: p.x25519Keygen(),
    opkB: p.x25519Keygen(),
    ekA: p.x25519Keygen(),
  }
}

describe('X3DH chat key (§4.1)', () => {
  it('gives both sides the same key as the node:crypto reference, with and without a one-time prekey', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 8, maxLength: 8 }), (withOpk, id) => {
        const k = parties()
        const chatId = toHex(id)
        const i = deriveInitiator(p, {
          chatId,
          identityKey: k.ikA,
          identityDhSecret: k.idA.secretKey,
          ephemeralSecret: k.ekA.secretKey,
          peerIdentityKey: k.ikB,
          peerIdentityDh: k.idB.publicKey,
          peerSignedPrekey: k.spkB.publicKey,
          peerOneTimePrekey: withOpk ? k.opkB.publicKey : undefined,
        })
        const r = deriveResponder(p, {
          chatId,
          identityKey: k.ikB,
          identityDhSecret: k.idB.secretKey,
          signedPrekeySecret: k.spkB.secretKey,
          oneTimePrekeySecret: withOpk ? k.opkB.secretKey : undefined,
          peerIdentityKey: k.ikA,
          peerIdentityDh: k.idA.publicKey,
          peerEphemeral: k.ekA.publicKey,
        })
        const dhs = [dh(k.idA.secretKey, k.spkB.publicKey), dh(k.ekA.secretKey, k.idB.publicKey), dh(k.ekA.secretKey, k.spkB.publicKey)]
        if (withOpk) dhs.push(dh(k.ekA.secretKey, k.opkB.publicKey))
        const ref = reference(chatId, k.ikA, k.ikB, dhs)
        expect(toHex(i.key)).toBe(ref.key)
        expect(toHex(i.fingerprint)).toBe(ref.fingerprint)
        expect(toHex(r.key)).toBe(ref.key)
        expect(i.key).toHaveLength(256)
      }),
      { numRuns: 10 },
    )
  })

  it('binds the chat id and both identity keys: change any and the key differs', () => {
    const k = parties()
    const input = {
      chatId: '0123456789abcdef',
      identityKey: k.ikA,
      identityDhSecret: k.idA.secretKey,
      ephemeralSecret: k.ekA.secretKey,
      peerIdentityKey: k.ikB,
      peerIdentityDh: k.idB.publicKey,
      peerSignedPrekey: k.spkB.publicKey,
    }
    const base = toHex(deriveInitiator(p, input).fingerprint)
    expect(toHex(deriveInitiator(p, { ...input, chatId: '0123456789abcdee' }).fingerprint)).not.toBe(base)
    expect(toHex(deriveInitiator(p, { ...input, identityKey: k.ikB, peerIdentityKey: k.ikA }).fingerprint)).not.toBe(base)
    expect(toHex(deriveInitiator(p, { ...input, peerIdentityKey: p.ed25519Keygen().publicKey }).fingerprint)).not.toBe(base)
    expect(() => deriveInitiator(p, { ...input, chatId: 'ABCDEF0123456789' })).toThrow(RangeError)
  })

  it('zeroizes every DH output and the HKDF input before returning', () => {
    const seen: Uint8Array[] = []
    const spy: CryptoProvider = {
      ...p,
      x25519(sk, pk) {
        const out = p.x25519(sk, pk)
        seen.push(out)
        return out
      },
      hkdfSha256(ikm, salt, info, length) {
        seen.push(ikm)
        return p.hkdfSha256(ikm, salt, info, length)
      },
    }
    const k = parties()
    const key = deriveInitiator(spy, {
      chatId: '0123456789abcdef',
      identityKey: k.ikA,
      identityDhSecret: k.idA.secretKey,
      ephemeralSecret: k.ekA.secretKey,
      peerIdentityKey: k.ikB,
      peerIdentityDh: k.idB.publicKey,
      peerSignedPrekey: k.spkB.publicKey,
      peerOneTimePrekey: k.opkB.publicKey,
    })
    expect(seen).toHaveLength(5) // DH1..DH4 and the ikm
    for (const s of seen) expect(s.every((b) => b === 0)).toBe(true)
    expect(key.key.some((b) => b !== 0)).toBe(true)
  })

  it('refuses a low-order peer key (CRYPTO_BAD_KEY)', () => {
    const k = parties()
    expect(() =>
      deriveInitiator(p, {
        chatId: '0123456789abcdef',
        identityKey: k.ikA,
        identityDhSecret: k.idA.secretKey,
        ephemeralSecret: k.ekA.secretKey,
        peerIdentityKey: k.ikB,
        peerIdentityDh: k.idB.publicKey,
        peerSignedPrekey: new Uint8Array(32),
      }),
    ).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }))
  })
})
