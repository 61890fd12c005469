/**
 * sdk/crypto/keys.ts: key pairs and their JSON-safe form, context-labelled signatures (§4.1, §2.2),
 * HKDF with text/byte parts, secureRandom — on the noble and node backends.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  assertSignature,
  deserializeKeyPair,
  deserializePublicKey,
  generateKeyPair,
  hkdf,
  secureRandom,
  serializeKeyPair,
  serializePublicKey,
  SIGN_CONTEXTS,
  signWithContext,
  verifyWithContext,
} from '../../../sdk/crypto/keys.js'
import { MtChatError } from '../../../sdk/errors.js'
import { concatBytes, fromHex, toBase64, toHex, utf8 } from '../../../sdk/util/bytes.js'
import { backends } from './backends.js'

describe.each(backends.slice(0, 2))('keys on %s', (_name, p) => {
  describe.each(['x25519', 'ed25519'] as const)('%s key pairs', (kind) => {
    it('survive JSON.stringify → JSON.parse → deserializeKeyPair', () => {
      const kp = generateKeyPair(p, kind)
      const json = JSON.parse(JSON.stringify(serializeKeyPair(kind, kp)))
      expect(json).toEqual({ kind, publicKey: toBase64(kp.publicKey), secretKey: toBase64(kp.secretKey) })
      expect(deserializeKeyPair(p, json)).toEqual({ kind, keyPair: kp })
    })
    it('refuse a public key that is not the secret key’s (CRYPTO_BAD_KEY)', () => {
      const s = serializeKeyPair(kind, generateKeyPair(p, kind))
      const other = serializeKeyPair(kind, generateKeyPair(p, kind))
      const fn = () => deserializeKeyPair(p, { ...s, publicKey: other.publicKey })
      expect(fn).toThrow(MtChatError)
      expect(fn).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }))
    })
  })

  it('an x25519 pair is not an ed25519 pair', () => {
    const s = serializeKeyPair('x25519', generateKeyPair(p, 'x25519'))
    expect(() => deserializeKeyPair(p, { ...s, kind: 'ed25519' })).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }))
  })

  it('gives precise argument errors', () => {
    const good = serializeKeyPair('ed25519', generateKeyPair(p, 'ed25519'))
    expect(() => deserializeKeyPair(p, null)).toThrow(new TypeError('"value" expected an object, got null'))
    expect(() => deserializeKeyPair(p, { ...good, kind: 'rsa' })).toThrow(new TypeError('"value.kind" expected "x25519" or "ed25519", got "rsa"'))
    expect(() => deserializeKeyPair(p, { ...good, secretKey: 42 })).toThrow(new TypeError('"value.secretKey" expected a base64 string, got number'))
    expect(() => deserializeKeyPair(p, { ...good, secretKey: '%%%%' })).toThrow(TypeError)
    expect(() => deserializeKeyPair(p, { ...good, publicKey: toBase64(new Uint8Array(31)) })).toThrow(
      new RangeError('"value.publicKey" expected 32 bytes, got length=31'),
    )
    expect(() => generateKeyPair(p, 'X25519' as 'x25519')).toThrow(TypeError)
    expect(() => serializeKeyPair('x25519', { publicKey: new Uint8Array(32), secretKey: new Uint8Array(16) })).toThrow(RangeError)
    expect(() => deserializePublicKey(toBase64(new Uint8Array(33)), 'peer')).toThrow(new RangeError('"peer" expected 32 bytes, got length=33'))
    const pk = generateKeyPair(p, 'x25519').publicKey
    expect(deserializePublicKey(serializePublicKey(pk))).toEqual(pk)
  })

  describe('context signatures', () => {
    const id = generateKeyPair(p, 'ed25519')
    const msg = utf8('payload')

    it('sign label ‖ message (the byte layout of §4.1)', () => {
      const sig = signWithContext(p, 'identityDh', msg, id.secretKey)
      expect(sig).toEqual(p.ed25519Sign(concatBytes(utf8('mt-chat/identity-dh/v1'), msg), id.secretKey))
      expect(verifyWithContext(p, 'identityDh', sig, msg, id.publicKey)).toBe(true)
    })
    it('a signature for one context verifies for no other, nor without a label', () => {
      const sig = signWithContext(p, 'signedPrekey', msg, id.secretKey)
      for (const other of Object.keys(SIGN_CONTEXTS).filter((c) => c !== 'signedPrekey') as ('handshake' | 'identityDh')[])
        expect(verifyWithContext(p, other, sig, msg, id.publicKey)).toBe(false)
      expect(p.ed25519Verify(sig, msg, id.publicKey)).toBe(false)
    })
    it('assertSignature throws CRYPTO_BAD_SIGNATURE for a flipped bit', () => {
      const sig = signWithContext(p, 'handshake', msg, id.secretKey)
      expect(() => assertSignature(p, 'handshake', sig, msg, id.publicKey)).not.toThrow()
      sig[5] ^= 1
      expect(() => assertSignature(p, 'handshake', sig, msg, id.publicKey)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_SIGNATURE' }))
    })
    it('refuses an unknown context with TypeError', () => {
      expect(() => signWithContext(p, 'login' as 'handshake', msg, id.secretKey)).toThrow(TypeError)
    })
  })

  describe('hkdf', () => {
    // RFC 5869 appendix A.1
    const ikm = fromHex('0b'.repeat(22))
    const okm = '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'
    it('matches RFC 5869 A.1, with salt and info whole or in parts', () => {
      expect(toHex(hkdf(p, ikm, { salt: fromHex('000102030405060708090a0b0c'), info: fromHex('f0f1f2f3f4f5f6f7f8f9'), length: 42 }))).toBe(okm)
      expect(toHex(hkdf(p, ikm, { salt: [fromHex('0001020304'), fromHex('05060708090a0b0c')], info: [fromHex('f0f1'), fromHex('f2f3f4f5f6f7f8f9')], length: 42 }))).toBe(okm)
    })
    it('takes text parts as UTF-8', () => {
      const chatId = fromHex('0102030405060708')
      expect(hkdf(p, ikm, { info: ['mt-chat/chat-key/v1', chatId], length: 256 })).toEqual(
        p.hkdfSha256(ikm, new Uint8Array(0), concatBytes(utf8('mt-chat/chat-key/v1'), chatId), 256),
      )
    })
    it('refuses lengths outside 1..8160 (CRYPTO_BAD_LENGTH) and wrong types (TypeError)', () => {
      for (const length of [0, 8161, 1.5]) expect(() => hkdf(p, ikm, { length })).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_LENGTH' }))
      expect(() => hkdf(p, 'ikm' as unknown as Uint8Array, { length: 32 })).toThrow(TypeError)
      expect(() => hkdf(p, ikm, { info: [utf8('a'), 7 as unknown as Uint8Array], length: 32 })).toThrow(new TypeError('"info[1]" expected Uint8Array, got number'))
    })
  })
})

describe('secureRandom', () => {
  afterEach(() => vi.unstubAllGlobals())
  it('returns the asked number of bytes, past the 64 KiB per-call limit of getRandomValues', () => {
    for (const n of [0, 1, 65536, 100_000]) expect(secureRandom(n).length).toBe(n)
    const big = secureRandom(100_000)
    expect(big.subarray(65536).some((b) => b !== 0)).toBe(true)
    expect(secureRandom(16)).not.toEqual(secureRandom(16))
  })
  it('refuses bad lengths', () => {
    expect(() => secureRandom(-1)).toThrow(RangeError)
    expect(() => secureRandom('8' as unknown as number)).toThrow(TypeError)
  })
  it('fails with NOT_SUPPORTED when the platform has no crypto.getRandomValues', () => {
    vi.stubGlobal('crypto', undefined)
    expect(() => secureRandom(8)).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }))
  })
})
