/**
 * Ed25519 inputs on which libraries disagree (beyond Wycheproof), built with noble's point
 * arithmetic. Each is rejected by mt-chat's strict rule (docs/PROTOCOL.md §1); the comments say
 * which library accepts it without that rule, so each case is known to be able to fail.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, fromHex, utf8 } from '../../../sdk/util/bytes.js'

const Point = ed25519.Point
const L = Point.Fn.ORDER
/** A point of order 8. */
const T8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
const IDENTITY = fromHex('01' + '00'.repeat(31))
/** The identity with y = p + 1: a non-canonical encoding. */
const IDENTITY_NON_CANONICAL = fromHex('ee' + 'ff'.repeat(30) + '7f')

export interface StrictCase {
  name: string
  publicKey: Uint8Array
  signature: Uint8Array
  message: Uint8Array
  /** What noble's own `ed25519.verify` (cofactored, zip215: false) says, documenting the divergence. */
  nobleVerify: boolean
}

const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
const { scalar: a, point: A } = ed25519.utils.getExtendedPublicKey(seed)

function challenge(r: Uint8Array, pk: Uint8Array, msg: Uint8Array): bigint {
  return Point.Fn.create(bytesToNumberLE(sha512(concatBytes(r, pk, msg))))
}

/** A signature (R = rB + extraR, S = r + k·a) under the encoded key `pk`, for a message where k mod 8 ≠ 0. */
function craft(pk: Uint8Array, extraR = Point.ZERO): { signature: Uint8Array; message: Uint8Array } {
  for (let i = 0; ; i++) {
    const message = utf8(`mt-chat strict ed25519 case ${i}`)
    const r = Point.Fn.create(bytesToNumberLE(sha512(message)))
    const R = Point.BASE.multiply(r).add(extraR).toBytes()
    const k = challenge(R, pk, message)
    if (k % 8n === 0n) continue
    const s = Point.Fn.create(r + k * a)
    return { signature: concatBytes(R, numberToBytesLE(s, 32)), message }
  }
}

function nobleSays(c: Omit<StrictCase, 'nobleVerify'>): StrictCase {
  let ok: boolean
  try {
    ok = ed25519.verify(c.signature, c.message, c.publicKey, { zip215: false })
  } catch {
    ok = false
  }
  return { ...c, nobleVerify: ok }
}

const trivial = concatBytes(IDENTITY, new Uint8Array(32)) // R = identity, S = 0
const mixedKey = A.add(T8).toBytes()
const honest = { message: utf8('control'), signature: ed25519.sign(utf8('control'), seed) }
const sPlusL = honest.signature.slice()
sPlusL.set(numberToBytesLE(bytesToNumberLE(honest.signature.subarray(32)) + L, 32), 32)

/** The control: an honest signature every backend must accept. */
export const honestCase = { publicKey: A.toBytes(), ...honest }

/** Cases every backend must reject. */
export const strictRejectCases: StrictCase[] = [
  // OpenSSL accepts: with A = identity, [S]B = R + [k]A holds for any message.
  { name: 'identity public key, R = identity, S = 0', publicKey: IDENTITY, signature: trivial, message: utf8('any message') },
  // OpenSSL accepts: it reduces y mod p instead of rejecting y ≥ p.
  { name: 'non-canonical identity public key (y = p + 1), R = identity, S = 0', publicKey: IDENTITY_NON_CANONICAL, signature: trivial, message: utf8('any message') },
  { name: 'public key of order 8', publicKey: T8.toBytes(), signature: trivial, message: utf8('any message') },
  // noble accepts (cofactored equation): A has a torsion component and 8 ∤ k.
  { name: 'mixed-order public key A = aB + T8', publicKey: mixedKey, ...craft(mixedKey) },
  // noble accepts (cofactored equation): R has a torsion component.
  { name: 'R with a torsion component (R = rB + T8)', publicKey: A.toBytes(), ...craft(A.toBytes(), T8) },
  { name: 'S + L (malleated)', publicKey: A.toBytes(), message: honest.message, signature: sPlusL },
].map(nobleSays)

/**
 * A mixed-order public key (aB + T8) and signatures under it over any message that noble's
 * cofactored verify accepts and the strict rule rejects: for tests of code that verifies
 * signatures on other parts of the system (e.g. the relay's key-bundle checks).
 */
export const mixedOrderPublicKey: Uint8Array = mixedKey
export function signMixedOrder(message: Uint8Array): Uint8Array {
  for (let i = 0; ; i++) {
    const r = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(utf8(`r${i}`), message))))
    const R = Point.BASE.multiply(r).toBytes()
    const k = challenge(R, mixedKey, message)
    if (k % 8n === 0n) continue
    return concatBytes(R, numberToBytesLE(Point.Fn.create(r + k * a), 32))
  }
}
