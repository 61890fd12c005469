/**
 * The KeyCrypto conformance suite (sdk/crypto/provider.ts): one list of cases, run unchanged on
 * every implementation — the synchronous backends wrapped by `keyCryptoOf`, WebCrypto, and
 * WebCrypto's fallback — under vitest in Node (key-conformance.test.ts) and bundled into real
 * Chromium, in a secure page (WebCrypto) and an insecure one (no `crypto.subtle`: the fallback)
 * (key-conformance.browser.test.ts). The vectors come in as data (a page cannot read files);
 * cases use only tests/helpers/check.ts.
 *
 * The same choices as the CryptoProvider suite: X25519 low-order public keys (all-zero shared
 * secret, or refused at import by some engines) are CRYPTO_BAD_KEY; Ed25519 is the strict rule of
 * docs/PROTOCOL.md §1; every Wycheproof `valid` case gives the listed result.
 */
import type { KeyCrypto } from '../../../sdk/crypto/provider.js'
import { fromHex, toHex, utf8 } from '../../../sdk/util/bytes.js'
import { equal, ok, rejects } from '../../helpers/check.js'

/** RFC 8032 §7.1 tests 1 and 2: [secret key, public key, message, signature], hex. */
export const RFC8032_TESTS = [
  ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
] as const

/** What the suite needs from tests/fixtures/vectors, as plain JSON. */
export interface KeyVectors {
  x25519: { tcId: number; result: string; private: string; public: string; shared: string }[]
  ed25519: { tcId: number; result: string; pk: string; msg: string; sig: string }[]
  hkdf: { tcId: number; result: string; ikm: string; salt: string; info: string; size: number; okm: string }[]
  /** The strict-rule rejections of ed25519-cases.ts, hex. */
  strict: { name: string; publicKey: string; signature: string; message: string }[]
  honest: { publicKey: string; signature: string; message: string }
  /** noble's results for fixed secrets, to compare derivations across implementations. */
  derived: { secret: string; x25519Public: string; ed25519Public: string; peer: string; shared: string; message: string; signature: string }[]
}

export interface KeyCase {
  name: string
  run(k: KeyCrypto, v: KeyVectors): Promise<void>
}

const h = fromHex
const isZero = (hex: string) => /^(00)*$/.test(hex)

export const keyCases: KeyCase[] = [
  {
    name: 'X25519: every Wycheproof case (valid and acceptable results, low-order keys CRYPTO_BAD_KEY)',
    async run(k, v) {
      for (const t of v.x25519) {
        const what = `x25519 tcId ${t.tcId} (${t.result})`
        if (t.result === 'invalid' || isZero(t.shared)) await rejects(k.x25519(h(t.private), h(t.public)), 'CRYPTO_BAD_KEY', what)
        else equal(toHex(await k.x25519(h(t.private), h(t.public))), t.shared, what)
      }
    },
  },
  {
    name: 'X25519: fresh key pairs agree and their public keys derive from the secrets',
    async run(k) {
      const a = await k.x25519Keygen()
      const b = await k.x25519Keygen()
      equal([a.secretKey.length, a.publicKey.length], [32, 32], 'sizes')
      equal(await k.x25519PublicKey(a.secretKey), a.publicKey, 'public of secret')
      equal(await k.x25519(a.secretKey, b.publicKey), await k.x25519(b.secretKey, a.publicKey), 'agreement')
      ok(toHex(a.secretKey) !== toHex(b.secretKey), 'two key pairs differ')
    },
  },
  {
    name: 'Ed25519: every Wycheproof case under the strict rule',
    async run(k, v) {
      for (const t of v.ed25519) equal(await k.ed25519Verify(h(t.sig), h(t.msg), h(t.pk)), t.result === 'valid', `ed25519 tcId ${t.tcId} (${t.result})`)
    },
  },
  {
    name: 'Ed25519: rejects every input on which libraries disagree; accepts the honest control',
    async run(k, v) {
      equal(await k.ed25519Verify(h(v.honest.signature), h(v.honest.message), h(v.honest.publicKey)), true, 'honest')
      for (const c of v.strict) equal(await k.ed25519Verify(h(c.signature), h(c.message), h(c.publicKey)), false, c.name)
    },
  },
  {
    name: 'Ed25519: RFC 8032 §7.1 tests 1 and 2 exactly; own key pairs sign and verify',
    async run(k) {
      for (const [sk, pk, msg, sig] of RFC8032_TESTS) {
        equal(toHex(await k.ed25519PublicKey(h(sk))), pk, 'public key')
        equal(toHex(await k.ed25519Sign(h(msg), h(sk))), sig, 'signature')
        equal(await k.ed25519Verify(h(sig), h(msg), h(pk)), true, 'verify')
      }
      const own = await k.ed25519Keygen()
      equal(await k.ed25519PublicKey(own.secretKey), own.publicKey, 'public of seed')
      const sig = await k.ed25519Sign(utf8('hello'), own.secretKey)
      equal(await k.ed25519Verify(sig, utf8('hello'), own.publicKey), true, 'own signature')
      equal(await k.ed25519Verify(sig, utf8('hellO'), own.publicKey), false, 'other message')
    },
  },
  {
    name: 'Ed25519 verify resolves false, never rejects, for malformed input',
    async run(k) {
      const { publicKey } = await k.ed25519Keygen()
      equal(await k.ed25519Verify(new Uint8Array(63), new Uint8Array(1), publicKey), false, 'short signature')
      equal(await k.ed25519Verify(new Uint8Array(64), new Uint8Array(1), new Uint8Array(31)), false, 'short key')
      equal(await k.ed25519Verify(new Uint8Array(64), 'x' as unknown as Uint8Array, publicKey), false, 'not bytes')
      // y = 2 is not on the curve: canonical and not small-order, so only the point decoding refuses it.
      equal(await k.ed25519Verify(new Uint8Array(64), new Uint8Array(1), h('02' + '00'.repeat(31))), false, 'not a point')
    },
  },
  {
    name: 'derivations equal the reference (noble) for fixed secrets',
    async run(k, v) {
      for (const d of v.derived) {
        equal(toHex(await k.x25519PublicKey(h(d.secret))), d.x25519Public, 'x25519 public')
        equal(toHex(await k.ed25519PublicKey(h(d.secret))), d.ed25519Public, 'ed25519 public')
        equal(toHex(await k.x25519(h(d.secret), h(d.peer))), d.shared, 'x25519 shared')
        equal(toHex(await k.ed25519Sign(h(d.message), h(d.secret))), d.signature, 'ed25519 signature')
      }
    },
  },
  {
    name: 'HKDF-SHA256: every Wycheproof case (lengths past 255·32 CRYPTO_BAD_LENGTH)',
    async run(k, v) {
      for (const t of v.hkdf) {
        const derive = k.hkdfSha256(h(t.ikm), h(t.salt), h(t.info), t.size)
        if (t.result === 'valid') equal(toHex(await derive), t.okm, `hkdf tcId ${t.tcId}`)
        else await rejects(derive, 'CRYPTO_BAD_LENGTH', `hkdf tcId ${t.tcId}`)
      }
      await rejects(k.hkdfSha256(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 0), 'CRYPTO_BAD_LENGTH', 'length 0')
    },
  },
  {
    name: 'SHA-1 (FIPS 180-4 known answers, as MTProto key ids use it)',
    async run(k) {
      equal(toHex(await k.sha1(utf8('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d', 'abc')
      equal(toHex(await k.sha1(new Uint8Array(0))), 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 'empty')
      equal(toHex(await k.sha1(new Uint8Array(256).fill(7))).length, 40, '256-byte key')
    },
  },
  {
    name: 'wrong key sizes reject (the same failure path for every backend)',
    async run(k) {
      for (const [what, p] of [
        ['x25519 short secret', k.x25519(new Uint8Array(31), new Uint8Array(32))],
        ['x25519 long public', k.x25519(new Uint8Array(32), new Uint8Array(33))],
        ['sign with a 64-byte key', k.ed25519Sign(new Uint8Array(1), new Uint8Array(64))],
        ['x25519 public of 31 bytes', k.x25519PublicKey(new Uint8Array(31))],
      ] as const) {
        let rejected = false
        try {
          await p
        } catch (err) {
          rejected = err instanceof RangeError
        }
        ok(rejected, `${what}: RangeError`)
      }
    },
  },
]

/** Runs every case on `k`; one result per case (for a page, which cannot use the test runner). */
export async function runKeyCases(k: KeyCrypto, v: KeyVectors): Promise<{ name: string; error?: string }[]> {
  const out: { name: string; error?: string }[] = []
  for (const c of keyCases) {
    try {
      await c.run(k, v)
      out.push({ name: c.name })
    } catch (err) {
      out.push({ name: c.name, error: String((err as Error)?.stack ?? err) })
    }
  }
  return out
}
