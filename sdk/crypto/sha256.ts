/**
 * SHA-256 (FIPS 180-4) in one small module, for the pure-JS core (`noble-core.ts`): every
 * layer-1 frame needs three SHA-256 synchronously (msg_key and the KDF), so browsers carry a
 * SHA-256 at start-up. @noble/hashes' `sha2.js` brings its class hierarchy, its 64-bit helpers and
 * its utilities along; replacing it with this took 2.0 KB gzipped off the SDK's start-up bundle,
 * and this is faster on the short inputs frames hash (no allocation but the digest). @noble/hashes
 * stays the reference: tests/unit/crypto/sha256.test.ts checks this one against it, against
 * node:crypto on random inputs split at random points, and against the FIPS 180-2 examples, and
 * the MTProto 2.0 vectors pass through it.
 * @module
 */
import type { Hasher } from './provider.js'

/** The round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = /* @__PURE__ */ words(
  '428a2f9871374491b5c0fbcfe9b5dba53956c25b59f111f1923f82a4ab1c5ed5d807aa9812835b01243185be550c7dc3' +
    '72be5d7480deb1fe9bdc06a7c19bf174e49b69c1efbe47860fc19dc6240ca1cc2de92c6f4a7484aa5cb0a9dc76f988da' +
    '983e5152a831c66db00327c8bf597fc7c6e00bf3d5a7914706ca63511429296727b70a852e1b21384d2c6dfc53380d13' +
    '650a7354766a0abb81c2c92e92722c85a2bfe8a1a81a664bc24b8b70c76c51a3d192e819d6990624f40e3585106aa070' +
    '19a4c1161e376c082748774c34b0bcb5391c0cb34ed8aa4a5b9cca4f682e6ff3748f82ee78a5636f84c878148cc70208' +
    '90befffaa4506cebbef9a3f7c67178f2',
)
/** The initial hash value: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const IV = /* @__PURE__ */ words('6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19')

function words(hex: string): Uint32Array {
  const out = new Uint32Array(hex.length / 8)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16)
  return out
}

/** The message schedule, shared: compression never re-enters itself. */
const W = /* @__PURE__ */ new Int32Array(64)

/** Compresses the 64-byte block of `b` at `off` into the state `h`. */
function compress(h: Int32Array, b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++, off += 4) W[i] = (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]
    const w2 = W[i - 2]
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    W[i] = (s1 + W[i - 7] + s0 + W[i - 16]) | 0
  }
  let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (hh + s1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (s0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0
    hh = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = bb
    bb = a
    a = (t1 + t2) | 0
  }
  h[0] = (h[0] + a) | 0
  h[1] = (h[1] + bb) | 0
  h[2] = (h[2] + c) | 0
  h[3] = (h[3] + d) | 0
  h[4] = (h[4] + e) | 0
  h[5] = (h[5] + f) | 0
  h[6] = (h[6] + g) | 0
  h[7] = (h[7] + hh) | 0
}

/** A running SHA-256: state, the partial block, the byte count. */
class State {
  readonly h = new Int32Array(8)
  readonly buf = new Uint8Array(64)
  used = 0
  length = 0

  constructor() {
    this.h.set(IV)
  }

  update(data: Uint8Array): void {
    const { h, buf } = this
    const n = data.length
    this.length += n
    let pos = 0
    if (this.used > 0) {
      pos = Math.min(64 - this.used, n)
      buf.set(pos === n ? data : data.subarray(0, pos), this.used)
      this.used += pos
      if (this.used < 64) return
      compress(h, buf, 0)
      this.used = 0
    }
    for (; pos + 64 <= n; pos += 64) compress(h, data, pos)
    if (pos < n) {
      buf.set(data.subarray(pos), 0)
      this.used = n - pos
    }
  }

  /** Pads, writes the digest into a new array and resets to the initial state. */
  finish(): Uint8Array {
    const { h, buf, used } = this
    // Padding: 0x80, zeros to 56 mod 64, the length in bits as a 64-bit big-endian integer.
    buf.fill(0, used)
    buf[used] = 0x80
    if (used >= 56) {
      compress(h, buf, 0)
      buf.fill(0)
    }
    const high = Math.floor(this.length / 2 ** 29)
    const low = this.length << 3
    for (let i = 0; i < 4; i++) {
      buf[59 - i] = high >>> (8 * i)
      buf[63 - i] = low >>> (8 * i)
    }
    compress(h, buf, 0)
    const out = new Uint8Array(32)
    for (let i = 0; i < 8; i++) {
      const w = h[i]
      out[i * 4] = w >>> 24
      out[i * 4 + 1] = w >>> 16
      out[i * 4 + 2] = w >>> 8
      out[i * 4 + 3] = w
    }
    h.set(IV)
    buf.fill(0)
    this.used = 0
    this.length = 0
    return out
  }
}

/** An incremental SHA-256 ({@link Hasher}): `update` any number of times, then `digest` once. */
export function sha256Hasher(): Hasher {
  let state: State | undefined = new State()
  const live = (): State => {
    if (!state) throw new TypeError('sha256: digest() was already called')
    return state
  }
  const self: Hasher = {
    update(data) {
      live().update(data)
      return self
    },
    digest() {
      const out = live().finish()
      state = undefined
      return out
    },
  }
  return self
}

/** The state of {@link sha256}, reused: a call runs to the end before the next starts. */
let shared: State | undefined

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const state = (shared ??= new State())
  try {
    for (const part of parts) state.update(part)
  } catch (err) {
    shared = undefined // a bad part (not bytes) must not leave its predecessors in the next digest
    throw err
  }
  return state.finish()
}
