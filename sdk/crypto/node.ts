/**
 * The node:crypto backend, for the relay and the Node SDK: OpenSSL wherever it beats pure JS
 * (hashes, HMAC, HKDF, AES-GCM, X25519, Ed25519, random bytes) and, for AES-256-IGE encryption of
 * anything but short inputs, hardware AES-256-CBC (below). IGE decryption stays in JS: its chain
 * runs through the plaintext, so no CBC mode can carry it. The only file under
 * `sdk/crypto` that imports `node:*`; it is never reached from the browser entry.
 *
 * Short IGE inputs (a layer-1 frame is ~400 bytes) and every IGE decryption run on the compact
 * table AES of `aes-ige-compact.ts`, as on every backend.
 *
 * IGE encryption as CBC (docs/PROTOCOL.md §1): with z_i = c_i ⊕ p_(i−1),
 *   z_i = E(p_i ⊕ c_(i−1)) = E((p_i ⊕ p_(i−2)) ⊕ z_(i−1)),
 * which is CBC over q_i = p_i ⊕ p_(i−2) with iv z_0 = c_0 (taking p_(−1) = 0), followed by
 * c_i = z_i ⊕ p_(i−1). Two XOR passes in JS around one native CBC call.
 *
 * Raw X25519/Ed25519 keys enter OpenSSL as JWK: importing PKCS#8/SPKI DER goes through OpenSSL 3's
 * decoder framework and is ~7× slower (2,000 vs 15,000 X25519 ops/s here). The private JWK needs
 * an `x`; Node derives the public key from `d` and ignores the `x` given (checked by the
 * conformance suite, whose signatures must equal noble's), so a placeholder is passed instead of
 * paying for a derivation.
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hash,
  hkdfSync,
  type KeyObject,
  randomFillSync,
  sign,
  verify,
} from 'node:crypto'
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import { igeDecryptCompact, igeEncryptCompact } from './aes-ige-compact.js'
import { checkIgeArgs } from './ige-args.js'
import { ed25519StrictEncoding } from './ed25519-strict.js'
import type { CryptoProvider, Hasher, KeyPair } from './provider.js'

/**
 * Below this many bytes the compact JS IGE beats the CBC path: creating an OpenSSL cipher context
 * costs about as much as ~25 blocks of table AES (bench/crypto measures both paths).
 */
export const IGE_CBC_MIN_BYTES = 512

/** A plain, unshared Uint8Array over a Buffer node:crypto returned (copied if it is a pool slice). */
function plain(b: Buffer | ArrayBuffer): Uint8Array {
  if (b instanceof ArrayBuffer) return new Uint8Array(b)
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return new Uint8Array(b.buffer, 0, b.length)
  return new Uint8Array(b)
}

const view = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length)
const b64url = (b: Uint8Array) => view(b).toString('base64url')
const PLACEHOLDER_X = 'A'.repeat(43) // 32 zero bytes; see the module comment

function okpPrivate(crv: 'X25519' | 'Ed25519', secretKey: Uint8Array, name: string): KeyObject {
  assertBytes(secretKey, name, 32)
  return createPrivateKey({ key: { kty: 'OKP', crv, d: b64url(secretKey), x: PLACEHOLDER_X }, format: 'jwk' })
}

function okpPublic(crv: 'X25519' | 'Ed25519', publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv, x: b64url(publicKey) }, format: 'jwk' })
}

function publicOf(key: KeyObject): Uint8Array {
  return plain(Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url'))
}

function randomBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`"length" expected a non-negative integer, got ${n}`)
  return randomFillSync(new Uint8Array(n))
}

/**
 * AES-256-IGE encryption on hardware AES-256-CBC, whatever the length (the provider's
 * `igeEncrypt` uses it from {@link IGE_CBC_MIN_BYTES} up); see the module comment.
 *
 * @example
 * ```ts
 * const ct = igeEncryptCbc(aesKey, aesIv, plaintext) // equals igeEncrypt(aesKey, aesIv, plaintext)
 * ```
 */
export function igeEncryptCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkIgeArgs(key, iv, data, 'ige.encrypt')
  const n = data.length >>> 2
  // Copies are `new Uint8Array(x)`, never `x.slice()`: on a Node Buffer slice() is a view.
  const p = data.byteOffset % 4 === 0 ? data : new Uint8Array(data)
  const pw = new Int32Array(p.buffer, p.byteOffset, n)
  const ivc = new Uint8Array(iv)
  const v = new Int32Array(ivc.buffer) // v[4..7] = p_0
  const q = new Uint8Array(data.length)
  const qw = new Int32Array(q.buffer)
  // q_1 = p_1 (p_(−1) = 0), q_2 = p_2 ⊕ p_0, q_i = p_i ⊕ p_(i−2)
  for (let i = 0; i < 4; i++) qw[i] = pw[i]
  for (let i = 4; i < 8 && i < n; i++) qw[i] = pw[i] ^ v[i]
  for (let i = 8; i < n; i++) qw[i] = pw[i] ^ pw[i - 8]
  const cipher = createCipheriv('aes-256-cbc', key, ivc.subarray(0, 16)).setAutoPadding(false)
  const out = plain(cipher.update(q))
  cipher.final()
  q.fill(0)
  const ow = new Int32Array(out.buffer, out.byteOffset, n)
  // c_1 = z_1 ⊕ p_0, c_i = z_i ⊕ p_(i−1)
  for (let i = 0; i < 4; i++) ow[i] ^= v[i + 4]
  for (let i = 4; i < n; i++) ow[i] ^= pw[i - 4]
  ivc.fill(0)
  if (p !== data) p.fill(0)
  return out
}

function checkGcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined): void {
  assertBytes(key, 'key', 32)
  assertBytes(nonce, 'nonce', 12)
  if (aad !== undefined) assertBytes(aad, 'aad')
}

/**
 * A one-shot digest as a fresh array. Read from a 'binary' (latin1: one char per byte) string, not
 * a Buffer: a digest of ≤ 64 bytes then lives on the JS heap, where a Buffer costs a malloc, a free
 * and array-buffer sweeping (0.73 → 0.28 µs for the 52-byte KDF hashes, three per frame).
 */
function digest(algorithm: 'sha1' | 'sha256' | 'sha512', data: Uint8Array): Uint8Array {
  const s = hash(algorithm, data, 'binary')
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/** Multi-part SHA-256 input up to this size is joined in {@link shaScratch}; longer goes through a Hash. */
const SHA_SCRATCH_MAX = 64 * 1024
let shaScratch = Buffer.allocUnsafeSlow(2048)

function hasher(h: ReturnType<typeof createHash>): Hasher {
  const self: Hasher = {
    update(data) {
      h.update(data)
      return self
    },
    digest: () => plain(h.digest()),
  }
  return self
}

/** The node:crypto backend (Node only). */
export const nodeProvider: CryptoProvider = {
  name: 'node',
  randomBytes,
  sha256(...parts) {
    if (parts.length === 1) return digest('sha256', parts[0])
    // Several parts (msg_key and KDF: a key slice and a body) are joined in a scratch buffer and
    // hashed in one call: a Hash object per call was ~8% of the relay's CPU.
    let n = 0
    for (const part of parts) {
      assertBytes(part, 'data')
      n += part.length
    }
    if (n > SHA_SCRATCH_MAX) {
      const h = createHash('sha256')
      for (const part of parts) h.update(part)
      return plain(h.digest())
    }
    if (shaScratch.length < n) shaScratch = Buffer.allocUnsafeSlow(Math.max(n, 2 * shaScratch.length))
    let off = 0
    for (const part of parts) {
      shaScratch.set(part, off)
      off += part.length
    }
    const out = digest('sha256', shaScratch.subarray(0, n))
    shaScratch.fill(0, 0, n) // the parts are often key material
    return out
  },
  sha256Hasher: () => hasher(createHash('sha256')),
  sha512: (d) => digest('sha512', d),
  sha1: (d) => digest('sha1', d),
  hmacSha256: (key, data) => plain(createHmac('sha256', key).update(data).digest()),
  hkdfSha256(ikm, salt, info, length) {
    if (!Number.isInteger(length) || length < 1 || length > 255 * 32)
      throw new MtChatError('CRYPTO_BAD_LENGTH', `HKDF-SHA256 length must be 1..8160, got ${length}`, { op: 'hkdf' })
    if (info.length <= 1024) return plain(hkdfSync('sha256', ikm, salt, info, length))
    // OpenSSL caps info at 1024 bytes; RFC 5869 does not. Extract and expand by hand.
    const prk = createHmac('sha256', salt.length > 0 ? salt : new Uint8Array(32)).update(ikm).digest()
    const out = new Uint8Array(length)
    let t: Uint8Array = new Uint8Array(0)
    for (let i = 0, off = 0; off < length; i++, off += 32) {
      t = createHmac('sha256', prk).update(t).update(info).update(Uint8Array.of(i + 1)).digest()
      out.set(t.subarray(0, Math.min(32, length - off)), off)
    }
    prk.fill(0)
    t.fill(0)
    return out
  },
  igeEncrypt: (key, iv, data) => (data.length < IGE_CBC_MIN_BYTES ? igeEncryptCompact(key, iv, data) : igeEncryptCbc(key, iv, data)),
  igeDecrypt: igeDecryptCompact,
  async gcmEncrypt(key, nonce, plaintext, aad) {
    checkGcm(key, nonce, aad)
    assertBytes(plaintext, 'plaintext')
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
    if (aad !== undefined && aad.length > 0) cipher.setAAD(aad)
    const body = cipher.update(plaintext)
    cipher.final()
    // A plain Uint8Array, not Buffer.allocUnsafeSlow: skipping the zero-fill measured slower for
    // 64 KiB file chunks (bench/crypto files: ~0.78× vs ~0.85× of bare GCM with this copy).
    const out = new Uint8Array(body.length + 16)
    out.set(body, 0)
    out.set(cipher.getAuthTag(), body.length)
    return out
  },
  async gcmDecrypt(key, nonce, sealed, aad) {
    checkGcm(key, nonce, aad)
    assertBytes(sealed, 'sealed')
    if (sealed.length < 16) throw new MtChatError('CRYPTO_AUTH_FAILED', 'AES-GCM input shorter than its tag', { op: 'gcm.decrypt' })
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
    decipher.setAuthTag(sealed.subarray(sealed.length - 16))
    if (aad !== undefined && aad.length > 0) decipher.setAAD(aad)
    const out = plain(decipher.update(sealed.subarray(0, sealed.length - 16)))
    try {
      decipher.final()
    } catch (cause) {
      out.fill(0) // released before the tag was checked: never let it escape
      throw new MtChatError('CRYPTO_AUTH_FAILED', undefined, { cause, op: 'gcm.decrypt' })
    }
    return out
  },
  x25519Keygen(): KeyPair {
    const secretKey = randomBytes(32)
    return { secretKey, publicKey: publicOf(okpPrivate('X25519', secretKey, 'secretKey')) }
  },
  x25519PublicKey: (sk) => publicOf(okpPrivate('X25519', sk, 'secretKey')),
  x25519(secretKey, publicKey) {
    const privateKey = okpPrivate('X25519', secretKey, 'secretKey')
    assertBytes(publicKey, 'publicKey', 32)
    try {
      // OpenSSL refuses an all-zero result (RFC 7748 §6.1), i.e. a low-order public key.
      return plain(diffieHellman({ privateKey, publicKey: okpPublic('X25519', publicKey) }))
    } catch (cause) {
      throw new MtChatError('CRYPTO_BAD_KEY', 'X25519 public key is low-order or invalid', { cause, op: 'x25519' })
    }
  },
  ed25519Keygen(): KeyPair {
    const secretKey = randomBytes(32)
    return { secretKey, publicKey: publicOf(okpPrivate('Ed25519', secretKey, 'secretKey')) }
  },
  ed25519PublicKey: (sk) => publicOf(okpPrivate('Ed25519', sk, 'secretKey')),
  ed25519Sign(message, secretKey) {
    const key = okpPrivate('Ed25519', secretKey, 'secretKey')
    assertBytes(message, 'message')
    return plain(sign(null, message, key))
  },
  ed25519Verify(signature, message, publicKey) {
    if (!(message instanceof Uint8Array) || !ed25519StrictEncoding(signature, publicKey)) return false
    try {
      return verify(null, message, okpPublic('Ed25519', publicKey), signature)
    } catch {
      return false // y not on the curve
    }
  },
}
