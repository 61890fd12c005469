/**
 * The CryptoProvider conformance suite, run unchanged on every backend (tests/unit/crypto/backends.ts):
 * every Wycheproof case of X25519, Ed25519, AES-256-GCM (96-bit IV), HKDF-SHA256 and HMAC-SHA256;
 * every AES-256-IGE and MTProto 2.0 vector; the strict Ed25519 rule of docs/PROTOCOL.md §1; and the
 * argument errors of the interface.
 *
 * Wycheproof `acceptable` cases, our choices:
 * - X25519 public keys on the twist or non-canonical (top bit set, or ≥ p): accepted with the
 *   RFC 7748 §5 result (mask the top bit, reduce mod p), which is what the vectors list.
 * - X25519 low-order public keys (all-zero shared secret): rejected with CRYPTO_BAD_KEY (RFC 7748
 *   §6.1 "MAY check"; a zero secret would make every derived key public).
 * Ed25519, AES-GCM, HKDF and HMAC have no acceptable cases in these files.
 */
import { describe, expect, it } from 'vitest'
import { ctEqual } from '../../../sdk/crypto/ct.js'
import { decryptMessage, encryptMessage, kdf, keyId, msgKey } from '../../../sdk/crypto/mtproto2.js'
import { MtChatError } from '../../../sdk/errors.js'
import { concatBytes, toHex, utf8 } from '../../../sdk/util/bytes.js'
import { backends } from './backends.js'
import { honestCase, strictRejectCases } from './ed25519-cases.js'
import { RFC8032_TESTS } from './key-conformance.js'
import {
  cases,
  ed25519Vectors,
  gcmVectors,
  hex,
  hkdfVectors,
  hmacVectors,
  igeVectors,
  mtprotoVectors,
  x25519Vectors,
} from './vectors.js'

const isZero = (b: Uint8Array) => b.every((x) => x === 0)

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((err: unknown) => MtChatError.is(err) && err.code === code)
}
function throwsWith(fn: () => unknown, code: string): void {
  expect(fn).toThrow(MtChatError)
  expect(fn).toThrow(expect.objectContaining({ code }))
}

describe.each(backends)('CryptoProvider conformance: %s', (_name, p) => {
  describe('hashes (FIPS 180-4 "abc" known answers)', () => {
    const abc = utf8('abc')
    it('SHA-256, SHA-512, SHA-1', () => {
      expect(toHex(p.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
      expect(toHex(p.sha512(abc))).toBe(
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
      )
      expect(toHex(p.sha1(abc))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    })
    it('SHA-256 over parts and incrementally equals the one-shot hash', () => {
      const parts = [utf8('a'), new Uint8Array(0), utf8('bc')]
      expect(p.sha256(...parts)).toEqual(p.sha256(abc))
      const h = p.sha256Hasher()
      for (const part of parts) h.update(part)
      expect(h.digest()).toEqual(p.sha256(abc))
    })
  })

  describe('HMAC-SHA256 (Wycheproof)', () => {
    it.each(cases(hmacVectors).map(({ group, test }) => [test.tcId, test.result, group.tagSize, test] as const))(
      'tcId %i (%s, %i-bit tag)',
      (_id, result, tagSize, t) => {
        const tag = p.hmacSha256(hex(t.key), hex(t.msg)).subarray(0, tagSize / 8)
        expect(ctEqual(tag, hex(t.tag))).toBe(result === 'valid')
      },
    )
  })

  describe('HKDF-SHA256 (Wycheproof)', () => {
    it.each(cases(hkdfVectors).map(({ test }) => [test.tcId, test.result, test] as const))('tcId %i (%s)', (_id, result, t) => {
      const derive = () => p.hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size)
      if (result === 'valid') expect(toHex(derive())).toBe(t.okm)
      else throwsWith(derive, 'CRYPTO_BAD_LENGTH') // every invalid case asks for more than 255·32 bytes
    })
  })

  describe('AES-256-GCM (Wycheproof, 256-bit key, 96-bit IV, both directions)', () => {
    const selected = cases(gcmVectors).filter(({ group }) => group.keySize === 256 && group.ivSize === 96)
    it('selects the 256-bit, 96-bit-IV groups', () => expect(selected.length).toBeGreaterThan(60))
    it.each(selected.map(({ test }) => [test.tcId, test.result, test] as const))('tcId %i (%s)', async (_id, result, t) => {
      const [key, iv, aad, msg] = [hex(t.key), hex(t.iv), hex(t.aad), hex(t.msg)]
      const sealed = concatBytes(hex(t.ct), hex(t.tag))
      const encrypted = await p.gcmEncrypt(key, iv, msg, aad)
      if (result === 'valid') {
        expect(toHex(encrypted)).toBe(toHex(sealed))
        expect(toHex(await p.gcmDecrypt(key, iv, sealed, aad))).toBe(t.msg)
      } else {
        expect(toHex(encrypted)).not.toBe(toHex(sealed))
        await rejectsWith(p.gcmDecrypt(key, iv, sealed, aad), 'CRYPTO_AUTH_FAILED')
      }
    })
    it('refuses other key and nonce sizes with RangeError (the protocol uses 256/96 only)', async () => {
      await expect(p.gcmEncrypt(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1))).rejects.toThrow(RangeError)
      await expect(p.gcmEncrypt(new Uint8Array(32), new Uint8Array(16), new Uint8Array(1))).rejects.toThrow(RangeError)
      await rejectsWith(p.gcmDecrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(15)), 'CRYPTO_AUTH_FAILED')
    })
  })

  describe('X25519 (Wycheproof)', () => {
    it.each(cases(x25519Vectors).map(({ test }) => [test.tcId, test.result, test] as const))('tcId %i (%s)', (_id, result, t) => {
      const shared = () => p.x25519(hex(t.private), hex(t.public))
      if (result === 'acceptable' && isZero(hex(t.shared))) throwsWith(shared, 'CRYPTO_BAD_KEY')
      else if (result === 'invalid') throwsWith(shared, 'CRYPTO_BAD_KEY')
      else expect(toHex(shared())).toBe(t.shared)
    })
    it('key pairs agree: X25519(a, B) = X25519(b, A), public key derivable from the secret', () => {
      const a = p.x25519Keygen()
      const b = p.x25519Keygen()
      expect(p.x25519PublicKey(a.secretKey)).toEqual(a.publicKey)
      expect(p.x25519(a.secretKey, b.publicKey)).toEqual(p.x25519(b.secretKey, a.publicKey))
    })
  })

  describe('Ed25519 (Wycheproof, strict)', () => {
    it.each(cases(ed25519Vectors).map(({ group, test }) => [test.tcId, test.result, group.publicKey.pk, test] as const))(
      'tcId %i (%s)',
      (_id, result, pk, t) => {
        expect(p.ed25519Verify(hex(t.sig), hex(t.msg), hex(pk))).toBe(result === 'valid')
      },
    )
    it('signs RFC 8032 §7.1 tests 1 and 2 exactly', () => {
      for (const [sk, pk, msg, sig] of RFC8032_TESTS) {
        expect(toHex(p.ed25519PublicKey(hex(sk)))).toBe(pk)
        expect(toHex(p.ed25519Sign(hex(msg), hex(sk)))).toBe(sig)
        expect(p.ed25519Verify(hex(sig), hex(msg), hex(pk))).toBe(true)
      }
    })
    it('accepts the honest control signature', () => {
      expect(p.ed25519Verify(honestCase.signature, honestCase.message, honestCase.publicKey)).toBe(true)
    })
    it.each(strictRejectCases.map((c) => [c.name, c] as const))('rejects %s', (_n, c) => {
      expect(p.ed25519Verify(c.signature, c.message, c.publicKey)).toBe(false)
    })
    it('returns false, never throws, for malformed input', () => {
      const { publicKey } = p.ed25519Keygen()
      expect(p.ed25519Verify(new Uint8Array(63), new Uint8Array(1), publicKey)).toBe(false)
      expect(p.ed25519Verify(new Uint8Array(64), new Uint8Array(1), new Uint8Array(31))).toBe(false)
      expect(p.ed25519Verify(new Uint8Array(64), 'x' as unknown as Uint8Array, publicKey)).toBe(false)
    })
  })

  describe('AES-256-IGE (aes_ige.json)', () => {
    const all = [...igeVectors.telegram, ...igeVectors.aes256]
    it.each(all.map((v, i) => [i, v.plaintext.length / 2, v] as const))('vector %i (%i bytes), both directions', (_i, _n, v) => {
      expect(toHex(p.igeEncrypt(hex(v.key), hex(v.iv), hex(v.plaintext)))).toBe(v.ciphertext)
      expect(toHex(p.igeDecrypt(hex(v.key), hex(v.iv), hex(v.ciphertext)))).toBe(v.plaintext)
    })
    it('rejects data that is empty or not a multiple of 16 with CRYPTO_BAD_LENGTH', () => {
      const key = new Uint8Array(32)
      const iv = new Uint8Array(32)
      for (const n of [0, 1, 15, 17, 1000]) {
        throwsWith(() => p.igeEncrypt(key, iv, new Uint8Array(n)), 'CRYPTO_BAD_LENGTH')
        throwsWith(() => p.igeDecrypt(key, iv, new Uint8Array(n)), 'CRYPTO_BAD_LENGTH')
      }
    })
    it('gives precise argument errors', () => {
      expect(() => p.igeEncrypt(new Uint8Array(16), new Uint8Array(32), new Uint8Array(16))).toThrow(
        new RangeError('"key" expected Uint8Array of length 32, got length=16'),
      )
      expect(() => p.igeEncrypt(new Uint8Array(32), [] as unknown as Uint8Array, new Uint8Array(16))).toThrow(TypeError)
    })
  })

  describe('MTProto 2.0 msg_key, KDF, ciphertext and key id (mtproto2_kdf.json)', () => {
    it.each(mtprotoVectors.cases.map((v, i) => [i, v.x, v] as const))('case %i (x = %i)', (_i, x, v) => {
      const key = hex(v.auth_key)
      const plaintext = hex(v.plaintext)
      expect(toHex(keyId(p, key))).toBe(v.auth_key_id)
      const mk = msgKey(p, key, plaintext, x)
      expect(toHex(mk)).toBe(v.msg_key)
      const { aesKey, aesIv } = kdf(p, key, mk, x)
      expect(toHex(aesKey)).toBe(v.aes_key)
      expect(toHex(aesIv)).toBe(v.aes_iv)
      expect(toHex(p.igeEncrypt(aesKey, aesIv, plaintext))).toBe(v.ciphertext)
      expect(toHex(p.igeDecrypt(aesKey, aesIv, hex(v.ciphertext)))).toBe(v.plaintext)
      // The same through the message helpers both layers use: key_id ‖ msg_key ‖ ciphertext.
      const sealed = encryptMessage(p, key, keyId(p, key), x, plaintext)
      expect(toHex(sealed)).toBe(v.auth_key_id + v.msg_key + v.ciphertext)
      expect(toHex(decryptMessage(p, key, x, sealed)!)).toBe(v.plaintext)
      expect(decryptMessage(p, key, x === 0 ? 8 : 0, sealed)).toBeUndefined()
    })
  })

  describe('interface contract', () => {
    it('randomBytes returns fresh arrays of the asked length (also past getRandomValues’ 64 KiB)', () => {
      for (const n of [0, 1, 32, 65536, 65537, 200_000]) expect(p.randomBytes(n).length).toBe(n)
      expect(p.randomBytes(32)).not.toEqual(p.randomBytes(32))
    })
    it('returns plain Uint8Arrays that own their memory', () => {
      for (const out of [p.sha256(utf8('x')), p.hmacSha256(utf8('k'), utf8('x')), p.x25519Keygen().publicKey]) {
        expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype)
        expect(out.buffer.byteLength).toBe(out.length)
      }
    })
    it('gives the same results for Node Buffers (pooled, at odd offsets) and leaves them unchanged', async () => {
      // The relay hands over Buffers from ws; Buffer#slice is a view, a classic source of bugs.
      const odd = (bytes: Uint8Array) => {
        const backing = Buffer.alloc(bytes.length + 1)
        backing.set(bytes, 1)
        return backing.subarray(1)
      }
      const pooled = (bytes: Uint8Array) => Buffer.from(bytes)
      const u = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff)
      const [key, iv, data, nonce, aad] = [u(32, 1), u(32, 2), u(1024, 3), u(12, 4), u(1, 5)]
      const sk = u(32, 6)
      const peer = p.x25519PublicKey(u(32, 7))
      const sig = p.ed25519Sign(data, sk)
      const ops = (k: Uint8Array, v: Uint8Array, d: Uint8Array, n: Uint8Array, a: Uint8Array, s: Uint8Array) => [
        p.sha256(k, d), p.sha512(d), p.sha1(d), p.hmacSha256(k, d), p.hkdfSha256(d, k, a, 64),
        p.igeEncrypt(k, v, d), p.igeDecrypt(k, v, d), p.x25519(s, peer), p.ed25519Sign(d, s),
        Uint8Array.of(Number(p.ed25519Verify(sig, d, p.ed25519PublicKey(s)))),
      ]
      const expected = [...ops(key, iv, data, nonce, aad, sk), await p.gcmEncrypt(key, nonce, data, aad)]
      for (const wrap of [odd, pooled]) {
        const inputs = [key, iv, data, nonce, aad, sk].map(wrap)
        const before = inputs.map((b) => Buffer.from(b))
        const got = [...ops(...(inputs as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer])), await p.gcmEncrypt(inputs[0], inputs[3], inputs[2], inputs[4])]
        expect(got.map(toHex)).toEqual(expected.map(toHex))
        expect(toHex(await p.gcmDecrypt(inputs[0], inputs[3], wrap(expected[10]), inputs[4]))).toBe(toHex(data))
        inputs.forEach((b, i) => expect(b.equals(before[i])).toBe(true))
      }
    })
    it('X25519 and Ed25519 take 32-byte keys only (RangeError), Uint8Array only (TypeError)', () => {
      expect(() => p.x25519(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError)
      expect(() => p.x25519(new Uint8Array(32), new Uint8Array(33))).toThrow(RangeError)
      expect(() => p.ed25519Sign(new Uint8Array(1), new Uint8Array(64))).toThrow(RangeError)
      expect(() => p.x25519('k' as unknown as Uint8Array, new Uint8Array(32))).toThrow(TypeError)
    })
  })
})
