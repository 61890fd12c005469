/**
 * The encoding checks of mt-chat's strict Ed25519 verification (docs/PROTOCOL.md §1), shared by
 * every backend so they accept exactly the same signatures.
 *
 * RFC 8032 §5.1.7 lets a verifier pick the cofactored or the cofactorless equation and says
 * nothing about small-order keys, and libraries differ: OpenSSL (node:crypto) accepts the all-zero
 * "signature" (R = identity, S = 0) under the identity public key for *any* message, and accepts a
 * non-canonical encoding of that key; noble rejects both but checks the cofactored equation, so a
 * signature whose R carries a torsion component verifies on noble and fails on OpenSSL. mt-chat
 * fixes one rule, libsodium's: S < L; A and R canonical (y < p) and not of small order; then the
 * cofactorless equation, checked as `encode([S]B − [k]A) == R` byte for byte. The checks below
 * run before either backend's equation; `noble.ts` checks the equation the same way OpenSSL does.
 * @module
 */

/** Group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
])

/**
 * y coordinates (sign bit cleared, little-endian) of the 8 points of small order: the identity
 * (y = 1), the point of order 2 (y = p − 1), the two of order 4 (y = 0) and the four of order 8.
 */
const SMALL_ORDER_Y = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
].map((hex) => Uint8Array.from(hex.match(/../g)!, (b) => Number.parseInt(b, 16)))

/** Little-endian `a < b` for equal-length arrays (public data: early exit is fine). */
function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return a[i] < b[i]
  return false
}

/** True when the 255-bit y of a point encoding is < p = 2^255 − 19 (RFC 8032 §5.1.3 step 1). */
function canonicalY(point: Uint8Array): boolean {
  if ((point[31] & 0x7f) !== 0x7f) return true
  for (let i = 30; i > 0; i--) if (point[i] !== 0xff) return true
  return point[0] < 0xed
}

function smallOrder(point: Uint8Array): boolean {
  outer: for (const y of SMALL_ORDER_Y) {
    for (let i = 0; i < 31; i++) if (point[i] !== y[i]) continue outer
    if ((point[31] & 0x7f) === y[31]) return true
  }
  return false
}

/**
 * The checks of strict verification that come before the equation: lengths, S < L, and A and R
 * canonical and not of small order. A `false` here means "reject" on every backend.
 */
export function ed25519StrictEncoding(signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false
  const r = signature.subarray(0, 32)
  if (!lessThan(signature.subarray(32, 64), L)) return false
  return canonicalY(publicKey) && canonicalY(r) && !smallOrder(publicKey) && !smallOrder(r)
}
