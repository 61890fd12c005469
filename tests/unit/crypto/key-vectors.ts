/**
 * The data of the KeyCrypto conformance suite (key-conformance.ts) as plain JSON: Wycheproof
 * X25519/Ed25519/HKDF, the strict-rule Ed25519 cases, and noble's results for fixed secrets. Read
 * in Node, handed to a browser page as it is.
 */
import { nobleProvider as p } from '../../../sdk/crypto/noble.js'
import { toHex, utf8 } from '../../../sdk/util/bytes.js'
import { honestCase, strictRejectCases } from './ed25519-cases.js'
import type { KeyVectors } from './key-conformance.js'
import { cases, ed25519Vectors, hkdfVectors, x25519Vectors } from './vectors.js'

const secret = (seed: number) => new Uint8Array(32).map((_, i) => (i * 29 + seed * 101 + 7) & 0xff)

export const keyVectors: KeyVectors = {
  x25519: cases(x25519Vectors).map(({ test }) => ({ tcId: test.tcId, result: test.result, private: test.private, public: test.public, shared: test.shared })),
  ed25519: cases(ed25519Vectors).map(({ group, test }) => ({ tcId: test.tcId, result: test.result, pk: group.publicKey.pk, msg: test.msg, sig: test.sig })),
  hkdf: cases(hkdfVectors).map(({ test }) => ({ tcId: test.tcId, result: test.result, ikm: test.ikm, salt: test.salt, info: test.info, size: test.size, okm: test.okm })),
  strict: strictRejectCases.map((c) => ({ name: c.name, publicKey: toHex(c.publicKey), signature: toHex(c.signature), message: toHex(c.message) })),
  honest: { publicKey: toHex(honestCase.publicKey), signature: toHex(honestCase.signature), message: toHex(honestCase.message) },
  derived: [1, 2, 3, 4].map((seed) => {
    const s = secret(seed)
    const peer = p.x25519PublicKey(secret(seed + 10))
    const message = utf8(`message ${seed}`)
    return {
      secret: toHex(s),
      x25519Public: toHex(p.x25519PublicKey(s)),
      ed25519Public: toHex(p.ed25519PublicKey(s)),
      peer: toHex(peer),
      shared: toHex(p.x25519(s, peer)),
      message: toHex(message),
      signature: toHex(p.ed25519Sign(message, s)),
    }
  }),
}
