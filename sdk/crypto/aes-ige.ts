/**
 * AES-256-IGE (docs/PROTOCOL.md §1), on the raw AES block of @noble/ciphers (`unsafe`), working on
 * 32-bit words so a block costs one call and no allocation. The reference the backends' IGE
 * (`aes-ige-compact.ts`, and node.ts's hardware-CBC encryption) is tested against: an audited
 * block cipher under a few lines of mode.
 *
 * IGE: c_i = E(p_i ⊕ c_(i−1)) ⊕ p_(i−1),  p_i = D(c_i ⊕ p_(i−1)) ⊕ c_(i−1),
 * with iv = c_0 ‖ p_0 (MTProto / OpenSSL order).
 * @module
 */
import { unsafe } from '@noble/ciphers/aes.js'
import { checkIgeArgs } from './ige-args.js'

const isLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** A 4-byte-aligned copy when `b` is misaligned (Uint32Array views need alignment). */
function aligned(b: Uint8Array): Uint8Array {
  // Not b.slice(): on a Node Buffer slice() is a view at the same misaligned offset.
  return b.byteOffset % 4 === 0 ? b : Uint8Array.prototype.slice.call(b)
}

const words = (b: Uint8Array) => new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2)

/** AES-256-IGE encryption of `data` (a non-empty multiple of 16 bytes). Returns a new array. */
export function igeEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkIgeArgs(key, iv, data, 'ige.encrypt')
  const xk = unsafe.expandKeyLE(key)
  const out = new Uint8Array(data.length)
  try {
    if (!isLE) return igeGeneric(xk, iv, data, out, true)
    const p = words(aligned(data))
    const o = words(out)
    const v = words(aligned(iv))
    let c0 = v[0], c1 = v[1], c2 = v[2], c3 = v[3] // c_(i-1)
    let q0 = v[4], q1 = v[5], q2 = v[6], q3 = v[7] // p_(i-1)
    for (let i = 0; i < p.length; i += 4) {
      const p0 = p[i], p1 = p[i + 1], p2 = p[i + 2], p3 = p[i + 3]
      const s = unsafe.encrypt(xk, p0 ^ c0, p1 ^ c1, p2 ^ c2, p3 ^ c3)
      c0 = o[i] = s.s0 ^ q0
      c1 = o[i + 1] = s.s1 ^ q1
      c2 = o[i + 2] = s.s2 ^ q2
      c3 = o[i + 3] = s.s3 ^ q3
      q0 = p0, q1 = p1, q2 = p2, q3 = p3
    }
    return out
  } finally {
    xk.fill(0)
  }
}

/** AES-256-IGE decryption of `data` (a non-empty multiple of 16 bytes). Returns a new array. */
export function igeDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkIgeArgs(key, iv, data, 'ige.decrypt')
  const xk = unsafe.expandKeyDecLE(key)
  const out = new Uint8Array(data.length)
  try {
    if (!isLE) return igeGeneric(xk, iv, data, out, false)
    const c = words(aligned(data))
    const o = words(out)
    const v = words(aligned(iv))
    let c0 = v[0], c1 = v[1], c2 = v[2], c3 = v[3] // c_(i-1)
    let q0 = v[4], q1 = v[5], q2 = v[6], q3 = v[7] // p_(i-1)
    for (let i = 0; i < c.length; i += 4) {
      const x0 = c[i], x1 = c[i + 1], x2 = c[i + 2], x3 = c[i + 3]
      const s = unsafe.decrypt(xk, x0 ^ q0, x1 ^ q1, x2 ^ q2, x3 ^ q3)
      q0 = o[i] = s.s0 ^ c0
      q1 = o[i + 1] = s.s1 ^ c1
      q2 = o[i + 2] = s.s2 ^ c2
      q3 = o[i + 3] = s.s3 ^ c3
      c0 = x0, c1 = x1, c2 = x2, c3 = x3
    }
    return out
  } finally {
    xk.fill(0)
  }
}

/** Byte-wise IGE through noble's block functions, for big-endian platforms. */
function igeGeneric(xk: Uint32Array, iv: Uint8Array, data: Uint8Array, out: Uint8Array, enc: boolean): Uint8Array {
  let cPrev = iv.slice(0, 16)
  let pPrev = iv.slice(16, 32)
  const block = new Uint8Array(16)
  for (let off = 0; off < data.length; off += 16) {
    const inBlock = data.subarray(off, off + 16)
    const [chainIn, chainOut] = enc ? [cPrev, pPrev] : [pPrev, cPrev]
    for (let j = 0; j < 16; j++) block[j] = inBlock[j] ^ chainIn[j]
    if (enc) unsafe.encryptBlock(xk, block)
    else unsafe.decryptBlock(xk, block)
    for (let j = 0; j < 16; j++) out[off + j] = block[j] ^ chainOut[j]
    if (enc) {
      cPrev = out.slice(off, off + 16)
      pPrev = inBlock.slice()
    } else {
      pPrev = out.slice(off, off + 16)
      cPrev = inBlock.slice()
    }
  }
  return out
}
