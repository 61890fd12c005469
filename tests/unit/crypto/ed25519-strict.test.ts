/**
 * Why the strict Ed25519 rule of docs/PROTOCOL.md §1 exists: without it the two libraries behind
 * the backends disagree. These tests pin the disagreement (so the rejection cases of the
 * conformance suite are known to be able to fail) and check the shared encoding pre-check.
 */
import { createPublicKey, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ed25519StrictEncoding } from '../../../sdk/crypto/ed25519-strict.js'
import { fromHex } from '../../../sdk/util/bytes.js'
import { honestCase, strictRejectCases } from './ed25519-cases.js'

const byName = (prefix: string) => strictRejectCases.find((c) => c.name.startsWith(prefix))!

function opensslVerify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pk).toString('base64url') }, format: 'jwk' })
  return verify(null, msg, key, sig)
}

describe('strict Ed25519: the divergence it removes', () => {
  it('OpenSSL alone accepts R = identity, S = 0 under the identity key, canonical or not', () => {
    for (const c of [byName('identity public key'), byName('non-canonical identity')])
      expect(opensslVerify(c.signature, c.message, c.publicKey)).toBe(true)
  })
  it('noble alone (cofactored) accepts torsion in A or in R', () => {
    expect(byName('mixed-order').nobleVerify).toBe(true)
    expect(byName('R with a torsion').nobleVerify).toBe(true)
    expect(opensslVerify(byName('mixed-order').signature, byName('mixed-order').message, byName('mixed-order').publicKey)).toBe(false)
  })
})

describe('ed25519StrictEncoding', () => {
  const { signature, publicKey } = honestCase
  it('passes an honest signature', () => expect(ed25519StrictEncoding(signature, publicKey)).toBe(true))
  it('rejects S ≥ L', () => {
    const s = signature.slice()
    s.set(fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'), 32) // S = L
    expect(ed25519StrictEncoding(s, publicKey)).toBe(false)
    s[32] = 0xec // S = L − 1
    expect(ed25519StrictEncoding(s, publicKey)).toBe(true)
  })
  it('rejects every small-order A and R, with either sign bit', () => {
    const small = ['01' + '00'.repeat(31), 'ec' + 'ff'.repeat(30) + '7f', '00'.repeat(32),
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05']
    for (const y of small)
      for (const sign of [0, 0x80]) {
        const point = fromHex(y)
        point[31] |= sign
        expect(ed25519StrictEncoding(signature, point)).toBe(false)
        const s = signature.slice()
        s.set(point, 0)
        expect(ed25519StrictEncoding(s, publicKey)).toBe(false)
      }
  })
  it('rejects y ≥ p in A and R, and accepts y = p − 20 (canonical)', () => {
    const nonCanonical = fromHex('ef' + 'ff'.repeat(30) + '7f') // y = p + 2
    expect(ed25519StrictEncoding(signature, nonCanonical)).toBe(false)
    const s = signature.slice()
    s.set(nonCanonical, 0)
    expect(ed25519StrictEncoding(s, publicKey)).toBe(false)
    expect(ed25519StrictEncoding(signature, fromHex('d9' + 'ff'.repeat(30) + '7f'))).toBe(true)
  })
  it('rejects wrong lengths and non-Uint8Array input', () => {
    expect(ed25519StrictEncoding(signature.subarray(0, 63), publicKey)).toBe(false)
    expect(ed25519StrictEncoding(signature, publicKey.subarray(1))).toBe(false)
    expect(ed25519StrictEncoding(Array.from(signature) as unknown as Uint8Array, publicKey)).toBe(false)
  })
})
