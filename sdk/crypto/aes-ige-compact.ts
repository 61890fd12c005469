/**
 * AES-256-IGE (docs/PROTOCOL.md §1) on a compact table AES-256 (FIPS 197) in plain JS: the IGE
 * every backend runs for layer-1 frames and secret messages (node.ts also has a hardware-CBC
 * encryption for long inputs). `aes-ige.ts`, the same mode on noble's raw AES block, is the
 * readable reference it is tested against (with the vectors and a textbook implementation).
 *
 * Why its own AES rather than noble's block: four 1 KiB T-tables per direction where noble's
 * block uses 2 × 256 KiB merged tables. On an idle core the two are close (~15% apart), but on a
 * busy relay the frame work runs between database callbacks and socket writes that evict the big
 * tables, and there the compact tables stay cached: IGE decryption went from ~22 to ~8 µs per
 * 400-byte frame under the relay bench's load. Its key schedule is ~10× cheaper than noble's (one
 * per frame: the KDF gives every frame a new key). And in browsers it keeps noble's AES module out
 * of the start-up bundle (only noble's AES-GCM fallback for insecure contexts needs it).
 *
 * IGE: c_i = E(p_i ⊕ c_(i−1)) ⊕ p_(i−1),  p_i = D(c_i ⊕ p_(i−1)) ⊕ c_(i−1), iv = c_0 ‖ p_0.
 * Table lookups are indexed by secret bytes, like every table AES (noble's included): the
 * protocol's constant-time comparisons are of msg_keys, not of this.
 * @module
 */
import { checkIgeArgs } from './ige-args.js'

const isLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
const SBOX = new Uint8Array(256)
const INV_SBOX = new Uint8Array(256)
/** Round tables: TE0[x] = MixColumns(S[x], 0, 0, 0) as an LE word, TE1..3 its byte rotations. */
const TE0 = new Int32Array(256), TE1 = new Int32Array(256), TE2 = new Int32Array(256), TE3 = new Int32Array(256)
/** TD0[x] = InvMixColumns(S⁻¹[x], 0, 0, 0), TD1..3 its rotations (equivalent inverse cipher). */
const TD0 = new Int32Array(256), TD1 = new Int32Array(256), TD2 = new Int32Array(256), TD3 = new Int32Array(256)
const RCON = new Uint8Array(7)
{
  const mul = (a: number, b: number): number => {
    let r = 0
    for (; b; b >>= 1, a = (a << 1) ^ (a & 0x80 ? 0x11b : 0)) if (b & 1) r ^= a
    return r
  }
  const rotl8 = (x: number) => (x << 8) | (x >>> 24)
  // Powers of the generator 3 give inverses: x⁻¹ = 3^(255 − log₃ x).
  const exp = new Uint8Array(256)
  const log = new Uint8Array(256)
  for (let i = 0, x = 1; i < 255; i++, x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0)) (exp[i] = x), (log[x] = i)
  for (let x = 0; x < 256; x++) {
    const inv = x === 0 ? 0 : exp[(255 - log[x]) % 255]
    let s = inv // S(x) = affine(x⁻¹)
    for (let i = 1; i < 5; i++) s ^= ((inv << i) | (inv >>> (8 - i))) & 0xff
    SBOX[x] = s ^ 0x63
    INV_SBOX[s ^ 0x63] = x
  }
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x]
    TE0[x] = mul(s, 2) | (s << 8) | (s << 16) | (mul(s, 3) << 24)
    const v = INV_SBOX[x]
    TD0[x] = mul(v, 14) | (mul(v, 9) << 8) | (mul(v, 13) << 16) | (mul(v, 11) << 24)
    TE1[x] = rotl8(TE0[x]), TE2[x] = rotl8(TE1[x]), TE3[x] = rotl8(TE2[x])
    TD1[x] = rotl8(TD0[x]), TD2[x] = rotl8(TD1[x]), TD3[x] = rotl8(TD2[x])
  }
  for (let i = 0, x = 1; i < 7; i++, x = mul(x, 2)) RCON[i] = x
}
const subWord = (w: number) => SBOX[w & 255] | (SBOX[(w >>> 8) & 255] << 8) | (SBOX[(w >>> 16) & 255] << 16) | (SBOX[w >>> 24] << 24)

/** Key schedules live in these (wiped after every call): no allocation per frame. */
const XK = new Int32Array(60)
const XK_TMP = new Int32Array(60)

/** The 60 round-key words of AES-256 (FIPS 197 §5.2) into `xk`. */
function expandKey(key: Uint8Array, xk: Int32Array): void {
  for (let i = 0; i < 8; i++) xk[i] = key[4 * i] | (key[4 * i + 1] << 8) | (key[4 * i + 2] << 16) | (key[4 * i + 3] << 24)
  for (let i = 8; i < 60; i++) {
    let t = xk[i - 1]
    if ((i & 7) === 0) t = subWord((t >>> 8) | (t << 24)) ^ RCON[(i >>> 3) - 1]
    else if ((i & 7) === 4) t = subWord(t)
    xk[i] = xk[i - 8] ^ t
  }
}

/** Round keys of the equivalent inverse cipher (FIPS 197 §5.3.5): reversed, InvMixColumns inside. */
function expandKeyDec(key: Uint8Array, xk: Int32Array): void {
  expandKey(key, XK_TMP)
  for (let r = 0; r <= 14; r++) for (let j = 0; j < 4; j++) xk[4 * r + j] = XK_TMP[4 * (14 - r) + j]
  XK_TMP.fill(0)
  for (let i = 4; i < 56; i++) {
    const w = xk[i]
    xk[i] = TD0[SBOX[w & 255]] ^ TD1[SBOX[(w >>> 8) & 255]] ^ TD2[SBOX[(w >>> 16) & 255]] ^ TD3[SBOX[w >>> 24]]
  }
}

/** A copy of `b` with the bytes of every 32-bit word reversed (big-endian platforms). */
function swap32(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length)
  for (let i = 0; i < b.length; i += 4) (out[i] = b[i + 3]), (out[i + 1] = b[i + 2]), (out[i + 2] = b[i + 1]), (out[i + 3] = b[i])
  return out
}

/**
 * 32-bit word views of `data` and `iv` and a fresh output. The round code reads words as
 * little-endian; misaligned inputs are copied, and on a big-endian platform every input is copied
 * with its words byte-reversed (then `finish` reverses the output back).
 */
function igeViews(iv: Uint8Array, data: Uint8Array): { src: Int32Array; v: Int32Array; out: Uint8Array; copies: Uint8Array[] } {
  const copies: Uint8Array[] = []
  // Copies are `new Uint8Array(x)`, never `x.slice()`: on a Node Buffer slice() is a view.
  const copy = (b: Uint8Array) => (copies[copies.length] = isLE ? new Uint8Array(b) : swap32(b))
  const d = isLE && data.byteOffset % 4 === 0 ? data : copy(data)
  const i = isLE && iv.byteOffset % 4 === 0 ? iv : copy(iv)
  return { src: new Int32Array(d.buffer, d.byteOffset, d.length >>> 2), v: new Int32Array(i.buffer, i.byteOffset, 8), out: new Uint8Array(data.length), copies }
}

/** Wipes the round keys and input copies; returns the output in byte order. */
function finish(k: Int32Array, copies: Uint8Array[], out: Uint8Array): Uint8Array {
  k.fill(0)
  for (const c of copies) c.fill(0)
  if (isLE) return out
  const swapped = swap32(out)
  out.fill(0)
  return swapped
}

/**
 * AES-256-IGE encryption on the compact tables; equals the reference `aes-ige.ts`.
 * @example
 * ```ts
 * const ct = igeEncryptCompact(aesKey, aesIv, plaintext) // equals igeEncrypt(aesKey, aesIv, plaintext)
 * ```
 */
export function igeEncryptCompact(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkIgeArgs(key, iv, data, 'ige.encrypt')
  const { src: p, v, out, copies } = igeViews(iv, data)
  const o = new Int32Array(out.buffer)
  const k = XK
  expandKey(key, k)
  let c0 = v[0], c1 = v[1], c2 = v[2], c3 = v[3] // c_(i−1)
  let q0 = v[4], q1 = v[5], q2 = v[6], q3 = v[7] // p_(i−1)
  for (let i = 0; i < p.length; i += 4) {
    const x0 = p[i], x1 = p[i + 1], x2 = p[i + 2], x3 = p[i + 3]
    let s0 = x0 ^ c0 ^ k[0], s1 = x1 ^ c1 ^ k[1], s2 = x2 ^ c2 ^ k[2], s3 = x3 ^ c3 ^ k[3]
    for (let r = 4; r < 56; r += 4) {
      const t0 = TE0[s0 & 255] ^ TE1[(s1 >>> 8) & 255] ^ TE2[(s2 >>> 16) & 255] ^ TE3[s3 >>> 24] ^ k[r]
      const t1 = TE0[s1 & 255] ^ TE1[(s2 >>> 8) & 255] ^ TE2[(s3 >>> 16) & 255] ^ TE3[s0 >>> 24] ^ k[r + 1]
      const t2 = TE0[s2 & 255] ^ TE1[(s3 >>> 8) & 255] ^ TE2[(s0 >>> 16) & 255] ^ TE3[s1 >>> 24] ^ k[r + 2]
      const t3 = TE0[s3 & 255] ^ TE1[(s0 >>> 8) & 255] ^ TE2[(s1 >>> 16) & 255] ^ TE3[s2 >>> 24] ^ k[r + 3]
      s0 = t0, s1 = t1, s2 = t2, s3 = t3
    }
    c0 = o[i] = (SBOX[s0 & 255] | (SBOX[(s1 >>> 8) & 255] << 8) | (SBOX[(s2 >>> 16) & 255] << 16) | (SBOX[s3 >>> 24] << 24)) ^ k[56] ^ q0
    c1 = o[i + 1] = (SBOX[s1 & 255] | (SBOX[(s2 >>> 8) & 255] << 8) | (SBOX[(s3 >>> 16) & 255] << 16) | (SBOX[s0 >>> 24] << 24)) ^ k[57] ^ q1
    c2 = o[i + 2] = (SBOX[s2 & 255] | (SBOX[(s3 >>> 8) & 255] << 8) | (SBOX[(s0 >>> 16) & 255] << 16) | (SBOX[s1 >>> 24] << 24)) ^ k[58] ^ q2
    c3 = o[i + 3] = (SBOX[s3 & 255] | (SBOX[(s0 >>> 8) & 255] << 8) | (SBOX[(s1 >>> 16) & 255] << 16) | (SBOX[s2 >>> 24] << 24)) ^ k[59] ^ q3
    q0 = x0, q1 = x1, q2 = x2, q3 = x3
  }
  return finish(k, copies, out)
}

/**
 * AES-256-IGE decryption on the compact tables; equals the reference `aes-ige.ts`.
 * @example
 * ```ts
 * const pt = igeDecryptCompact(aesKey, aesIv, ciphertext)
 * ```
 */
export function igeDecryptCompact(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkIgeArgs(key, iv, data, 'ige.decrypt')
  const { src: c, v, out, copies } = igeViews(iv, data)
  const o = new Int32Array(out.buffer)
  const k = XK
  expandKeyDec(key, k)
  let c0 = v[0], c1 = v[1], c2 = v[2], c3 = v[3] // c_(i−1)
  let q0 = v[4], q1 = v[5], q2 = v[6], q3 = v[7] // p_(i−1)
  for (let i = 0; i < c.length; i += 4) {
    const x0 = c[i], x1 = c[i + 1], x2 = c[i + 2], x3 = c[i + 3]
    let s0 = x0 ^ q0 ^ k[0], s1 = x1 ^ q1 ^ k[1], s2 = x2 ^ q2 ^ k[2], s3 = x3 ^ q3 ^ k[3]
    for (let r = 4; r < 56; r += 4) {
      const t0 = TD0[s0 & 255] ^ TD1[(s3 >>> 8) & 255] ^ TD2[(s2 >>> 16) & 255] ^ TD3[s1 >>> 24] ^ k[r]
      const t1 = TD0[s1 & 255] ^ TD1[(s0 >>> 8) & 255] ^ TD2[(s3 >>> 16) & 255] ^ TD3[s2 >>> 24] ^ k[r + 1]
      const t2 = TD0[s2 & 255] ^ TD1[(s1 >>> 8) & 255] ^ TD2[(s0 >>> 16) & 255] ^ TD3[s3 >>> 24] ^ k[r + 2]
      const t3 = TD0[s3 & 255] ^ TD1[(s2 >>> 8) & 255] ^ TD2[(s1 >>> 16) & 255] ^ TD3[s0 >>> 24] ^ k[r + 3]
      s0 = t0, s1 = t1, s2 = t2, s3 = t3
    }
    q0 = o[i] = (INV_SBOX[s0 & 255] | (INV_SBOX[(s3 >>> 8) & 255] << 8) | (INV_SBOX[(s2 >>> 16) & 255] << 16) | (INV_SBOX[s1 >>> 24] << 24)) ^ k[56] ^ c0
    q1 = o[i + 1] = (INV_SBOX[s1 & 255] | (INV_SBOX[(s0 >>> 8) & 255] << 8) | (INV_SBOX[(s3 >>> 16) & 255] << 16) | (INV_SBOX[s2 >>> 24] << 24)) ^ k[57] ^ c1
    q2 = o[i + 2] = (INV_SBOX[s2 & 255] | (INV_SBOX[(s1 >>> 8) & 255] << 8) | (INV_SBOX[(s0 >>> 16) & 255] << 16) | (INV_SBOX[s3 >>> 24] << 24)) ^ k[58] ^ c2
    q3 = o[i + 3] = (INV_SBOX[s3 & 255] | (INV_SBOX[(s2 >>> 8) & 255] << 8) | (INV_SBOX[(s1 >>> 16) & 255] << 16) | (INV_SBOX[s0 >>> 24] << 24)) ^ k[59] ^ c3
    c0 = x0, c1 = x1, c2 = x2, c3 = x3
  }
  return finish(k, copies, out)
}

