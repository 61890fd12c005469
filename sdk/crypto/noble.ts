/**
 * The pure-JS crypto backend on @noble/* — runs everywhere, and is the reference the faster
 * backends are tested against: the core of `noble-core.ts` plus SHA-512, SHA-1, HMAC, HKDF and the
 * curves (`curve25519.ts`). A browser loads this module with secret chats (or where WebCrypto
 * lacks X25519/Ed25519), not at start-up.
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import { ed25519Keygen, ed25519PublicKey, ed25519Sign, ed25519VerifyStrict, x25519 } from './curve25519.js'
import { nobleCore } from './noble-core.js'
import type { CoreCrypto, CryptoProvider, KeyPair } from './provider.js'

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

/**
 * A complete provider: `core`'s primitives plus noble's SHA-512, SHA-1, HMAC, HKDF, X25519 and
 * Ed25519 (the browser keeps its WebCrypto AES-GCM core this way when secret chats load).
 * `core` is one of this folder's plain-object cores (its methods are copied, not bound).
 */
export function withNobleCurves(core: CoreCrypto): CryptoProvider {
  return {
    ...core,
    sha512: (d) => sha512(d),
    sha1: (d) => sha1(d),
    hmacSha256: (key, data) => hmac(sha256, key, data),
    hkdfSha256(ikm, salt, info, length) {
      if (!Number.isInteger(length) || length < 1 || length > 255 * 32)
        throw new MtChatError('CRYPTO_BAD_LENGTH', `HKDF-SHA256 length must be 1..8160, got ${length}`, { op: 'hkdf' })
      return hkdf(sha256, ikm, salt, info, length)
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
}

/** The @noble/* backend. */
export const nobleProvider: CryptoProvider = /* @__PURE__ */ withNobleCurves(nobleCore)
