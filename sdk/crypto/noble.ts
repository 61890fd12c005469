/**
 * The pure-JS crypto backend on @noble/* — runs everywhere, and is the reference the faster
 * backends are tested against. AES-GCM here is sync noble wrapped in a Promise; `webcrypto.ts`
 * swaps in WebCrypto where it exists.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { bytesToNumberLE } from '@noble/curves/utils.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import { igeDecrypt, igeEncrypt } from './aes-ige.js'
import { ed25519StrictEncoding } from './ed25519-strict.js'
import type { CryptoProvider, Hasher, KeyPair } from './provider.js'

function checkGcm(key: Uint8Array, nonce: Uint8Array): void {
  assertBytes(key, 'key', 32)
  assertBytes(nonce, 'nonce', 12)
}

/** X25519 that maps noble's low-order rejection to CRYPTO_BAD_KEY. */
function dh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', 32)
  assertBytes(publicKey, 'publicKey', 32)
  let out: Uint8Array
  try {
    out = x25519.getSharedSecret(secretKey, publicKey)
  } catch (cause) {
    throw new MtChatError('CRYPTO_BAD_KEY', 'X25519 public key is low-order or invalid', { cause, op: 'x25519' })
  }
  let acc = 0
  for (let i = 0; i < out.length; i++) acc |= out[i]
  if (acc === 0) throw new MtChatError('CRYPTO_BAD_KEY', 'X25519 shared secret is all zero', { op: 'x25519' })
  return out
}

const Point = ed25519.Point

/**
 * Strict Ed25519 verification (docs/PROTOCOL.md §1): the shared encoding checks, then the
 * cofactorless equation checked the way OpenSSL does it, `encode([S]B − [k]A) == R`, so this
 * backend and node:crypto accept exactly the same signatures. noble's own `verify` checks the
 * cofactored equation, which accepts an R with a torsion component that OpenSSL rejects.
 */
function ed25519VerifyStrict(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  if (!(msg instanceof Uint8Array) || !ed25519StrictEncoding(sig, pk)) return false
  try {
    const A = Point.fromBytes(pk, false)
    const r = sig.subarray(0, 32)
    const k = Point.Fn.create(bytesToNumberLE(sha512.create().update(r).update(pk).update(msg).digest()))
    const s = bytesToNumberLE(sig.subarray(32, 64)) // < L, checked above
    const R = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k)).toBytes()
    let diff = 0
    for (let i = 0; i < 32; i++) diff |= R[i] ^ r[i]
    return diff === 0
  } catch {
    return false // y not on the curve
  }
}

function hasher(h: ReturnType<typeof sha256.create>): Hasher {
  const self: Hasher = {
    update(data) {
      h.update(data)
      return self
    },
    digest: () => h.digest(),
  }
  return self
}

/** The @noble/* backend. */
export const nobleProvider: CryptoProvider = {
  name: 'noble',
  randomBytes(n) {
    // getRandomValues takes at most 65536 bytes per call.
    const out = new Uint8Array(n)
    for (let off = 0; off < n; off += 65536) out.set(randomBytes(Math.min(65536, n - off)), off)
    return out
  },
  sha256(...parts) {
    if (parts.length === 1) return sha256(parts[0])
    const h = sha256.create()
    for (const part of parts) h.update(part)
    return h.digest()
  },
  sha256Hasher: () => hasher(sha256.create()),
  sha512: (d) => sha512(d),
  sha1: (d) => sha1(d),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  hkdfSha256(ikm, salt, info, length) {
    if (!Number.isInteger(length) || length < 1 || length > 255 * 32)
      throw new MtChatError('CRYPTO_BAD_LENGTH', `HKDF-SHA256 length must be 1..8160, got ${length}`, { op: 'hkdf' })
    return hkdf(sha256, ikm, salt, info, length)
  },
  igeEncrypt,
  igeDecrypt,
  async gcmEncrypt(key, nonce, plaintext, aad) {
    checkGcm(key, nonce)
    return gcm(key, nonce, aad).encrypt(plaintext)
  },
  async gcmDecrypt(key, nonce, sealed, aad) {
    checkGcm(key, nonce)
    try {
      return gcm(key, nonce, aad).decrypt(sealed)
    } catch (cause) {
      throw new MtChatError('CRYPTO_AUTH_FAILED', undefined, { cause, op: 'gcm.decrypt' })
    }
  },
  x25519Keygen(): KeyPair {
    const { secretKey, publicKey } = x25519.keygen()
    return { secretKey, publicKey }
  },
  x25519PublicKey: (sk) => x25519.getPublicKey(sk),
  x25519: dh,
  ed25519Keygen(): KeyPair {
    const { secretKey, publicKey } = ed25519.keygen()
    return { secretKey, publicKey }
  },
  ed25519PublicKey: (sk) => ed25519.getPublicKey(sk),
  ed25519Sign: (msg, sk) => ed25519.sign(msg, sk),
  ed25519Verify: ed25519VerifyStrict,
}
