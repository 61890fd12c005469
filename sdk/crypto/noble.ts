/**
 * The pure-JS crypto backend on @noble/* — runs everywhere, and is the reference the faster
 * backends are tested against. AES-GCM here is sync noble wrapped in a Promise, imported on first
 * use (`gcm-noble.ts`): `webcrypto.ts` swaps in WebCrypto wherever it exists, so browsers load it
 * only in insecure contexts.
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import { lazy } from '../util/lazy.js'
import { igeDecryptCompact, igeEncryptCompact } from './aes-ige-compact.js'
import { ed25519Keygen, ed25519PublicKey, ed25519Sign, ed25519VerifyStrict, x25519 } from './curve25519.js'
import type { CryptoProvider, Hasher, KeyPair } from './provider.js'

const nobleGcm = lazy('AES-GCM', () => import('./gcm-noble.js'))

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
  igeEncrypt: igeEncryptCompact,
  igeDecrypt: igeDecryptCompact,
  async gcmEncrypt(key, nonce, plaintext, aad) {
    checkGcm(key, nonce)
    return (await nobleGcm()).gcmEncrypt(key, nonce, plaintext, aad)
  },
  async gcmDecrypt(key, nonce, sealed, aad) {
    checkGcm(key, nonce)
    return (await nobleGcm()).gcmDecrypt(key, nonce, sealed, aad)
  },
  x25519Keygen(): KeyPair {
    const { secretKey, publicKey } = x25519.keygen()
    return { secretKey, publicKey }
  },
  x25519PublicKey: (sk) => x25519.getPublicKey(sk),
  x25519: dh,
  ed25519Keygen(): KeyPair {
    const { secretKey, publicKey } = ed25519Keygen()
    return { secretKey, publicKey }
  },
  ed25519PublicKey: (sk) => ed25519PublicKey(sk),
  ed25519Sign: (msg, sk) => ed25519Sign(msg, sk),
  ed25519Verify: ed25519VerifyStrict,
}
