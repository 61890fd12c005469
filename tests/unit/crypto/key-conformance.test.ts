/**
 * The KeyCrypto conformance suite (key-conformance.ts) in Node, on every implementation: noble and
 * node:crypto through `keyCryptoOf`, WebCrypto (Node 20's `crypto.subtle`), and `webCryptoKeys`
 * falling back — without `crypto.subtle`, and with a `crypto.subtle` that lacks the curves.
 */
import { describe, expect, it } from 'vitest'
import { keyCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import type { KeyCrypto } from '../../../sdk/crypto/provider.js'
import { platformSubtle, webCryptoKeys, type SubtleKeys } from '../../../sdk/crypto/webcrypto-keys.js'
import { keyCases } from './key-conformance.js'
import { keyVectors } from './key-vectors.js'

const subtle = platformSubtle()
if (!subtle) throw new Error('crypto.subtle is missing: the WebCrypto key operations cannot be tested')

/** A fallback that counts its loads, so a test can tell which path ran. */
function countingFallback(): { load: () => Promise<KeyCrypto>; loads: () => number } {
  let n = 0
  return { load: async () => (n++, keyCryptoOf(nobleProvider)), loads: () => n }
}

/** Node's subtle, except that it has no X25519 / Ed25519 (an older browser). */
const noCurves: SubtleKeys = {
  ...subtle,
  generateKey: (alg, ext, usages) => (/25519/.test(alg.name) ? Promise.reject(new DOMException('unsupported', 'NotSupportedError')) : subtle.generateKey(alg, ext, usages)),
  importKey: (...args) => subtle.importKey(...args),
  exportKey: (...args) => subtle.exportKey(...args),
  deriveBits: (...args) => subtle.deriveBits(...args),
  sign: (...args) => subtle.sign(...args),
  verify: (...args) => subtle.verify(...args),
  digest: (...args) => subtle.digest(...args),
}

const never = () => Promise.reject(new Error('the fallback must not load here'))
const implementations: [string, KeyCrypto][] = [
  ['noble', keyCryptoOf(nobleProvider)],
  ['node', keyCryptoOf(nodeProvider)],
  ['webcrypto', webCryptoKeys(subtle, never)],
  ['webcrypto without crypto.subtle (fallback)', webCryptoKeys(undefined, async () => keyCryptoOf(nobleProvider))],
  ['webcrypto without the curves (fallback)', webCryptoKeys(noCurves, async () => keyCryptoOf(nobleProvider))],
]

describe.each(implementations)('KeyCrypto conformance: %s', (_name, k) => {
  it.each(keyCases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    await c.run(k, keyVectors)
  })
})

describe('webCryptoKeys fallback', () => {
  it('uses WebCrypto where it has the curves, and loads the fallback once where it does not', async () => {
    const a = countingFallback()
    const web = webCryptoKeys(subtle, a.load)
    await web.x25519Keygen()
    await web.sha1(new Uint8Array(1))
    expect(a.loads()).toBe(0)
    const b = countingFallback()
    const old = webCryptoKeys(noCurves, b.load)
    await Promise.all([old.x25519Keygen(), old.ed25519Keygen(), old.hkdfSha256(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 32)])
    expect(b.loads()).toBe(1)
  })

  it('tries a failed fallback load again on the next call', async () => {
    let attempts = 0
    const k = webCryptoKeys(undefined, async () => {
      if (attempts++ === 0) throw Object.assign(new Error('offline'), { code: 'CHUNK_LOAD_FAILED' })
      return keyCryptoOf(nobleProvider)
    })
    await expect(k.x25519Keygen()).rejects.toMatchObject({ code: 'CHUNK_LOAD_FAILED' })
    expect((await k.x25519Keygen()).publicKey).toHaveLength(32)
  })

  it('zeroizes nothing it was given and leaves inputs unchanged', async () => {
    const k = webCryptoKeys(subtle, never)
    const sk = new Uint8Array(32).fill(9)
    const peer = (await k.x25519Keygen()).publicKey
    const before = [sk.slice(), peer.slice()]
    await k.x25519(sk, peer)
    await k.ed25519Sign(new Uint8Array(3), sk)
    expect([sk, peer]).toEqual(before)
  })
})
