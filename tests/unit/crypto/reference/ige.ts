/**
 * Reference AES-IGE: the test oracle for the fast implementations. Written to be read, not to be
 * fast: one block at a time through node:crypto's AES-ECB (OpenSSL's block cipher), byte arrays
 * only, the two formulas of docs/PROTOCOL.md §1 spelled out. AES-128 and AES-256 keys, so it also
 * runs OpenSSL's own IGE known answers (test/igetest.c, AES-128).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto'

function aesBlock(key: Uint8Array, block: Uint8Array, encrypt: boolean): Uint8Array {
  const algorithm = key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb'
  const c = encrypt ? createCipheriv(algorithm, key, null) : createDecipheriv(algorithm, key, null)
  c.setAutoPadding(false)
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]))
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((x, i) => x ^ b[i])
}

function check(key: Uint8Array, iv: Uint8Array, data: Uint8Array): void {
  if (key.length !== 16 && key.length !== 32) throw new RangeError('reference IGE: key must be 16 or 32 bytes')
  if (iv.length !== 32) throw new RangeError('reference IGE: iv must be 32 bytes')
  if (data.length % 16 !== 0) throw new RangeError('reference IGE: data must be a multiple of 16 bytes')
}

/** c_i = E(p_i ⊕ c_(i−1)) ⊕ p_(i−1), with iv = c_0 ‖ p_0. */
export function referenceIgeEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  check(key, iv, plaintext)
  let prevC: Uint8Array = iv.slice(0, 16)
  let prevP: Uint8Array = iv.slice(16, 32)
  const out = new Uint8Array(plaintext.length)
  for (let off = 0; off < plaintext.length; off += 16) {
    const p = plaintext.slice(off, off + 16)
    const c = xor(aesBlock(key, xor(p, prevC), true), prevP)
    out.set(c, off)
    prevC = c
    prevP = p
  }
  return out
}

/** p_i = D(c_i ⊕ p_(i−1)) ⊕ c_(i−1), with iv = c_0 ‖ p_0. */
export function referenceIgeDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  check(key, iv, ciphertext)
  let prevC: Uint8Array = iv.slice(0, 16)
  let prevP: Uint8Array = iv.slice(16, 32)
  const out = new Uint8Array(ciphertext.length)
  for (let off = 0; off < ciphertext.length; off += 16) {
    const c = ciphertext.slice(off, off + 16)
    const p = xor(aesBlock(key, xor(c, prevP), false), prevC)
    out.set(p, off)
    prevC = c
    prevP = p
  }
  return out
}
