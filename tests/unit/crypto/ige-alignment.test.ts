/** IGE on inputs at odd byte offsets, including Node Buffers (whose slice() is a view, not a copy). */
import { describe, expect, it } from 'vitest'
import { igeDecrypt, igeEncrypt } from '../../../sdk/crypto/aes-ige.js'

describe('AES-IGE input alignment', () => {
  const key = new Uint8Array(32).map((_, i) => i * 7)
  const iv = new Uint8Array(32).map((_, i) => 255 - i)
  const plain = new Uint8Array(64).map((_, i) => i)
  const expected = igeEncrypt(key, iv, plain)

  it('encrypts and decrypts a misaligned Buffer view like an aligned array', () => {
    const backing = Buffer.alloc(1 + 64 + 32 + 32)
    const data = backing.subarray(1, 65)
    data.set(plain)
    expect(data.byteOffset % 4).not.toBe(0)
    expect(igeEncrypt(key, iv, data)).toEqual(expected)
    const ct = backing.subarray(1, 65)
    ct.set(expected)
    expect(igeDecrypt(key, iv, ct)).toEqual(plain)
  })

  it('accepts a misaligned iv', () => {
    const backing = new Uint8Array(33)
    backing.set(iv, 1)
    expect(igeEncrypt(key, backing.subarray(1), plain)).toEqual(expected)
  })
})
