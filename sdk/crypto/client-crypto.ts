/**
 * {@link KeyCrypto} and {@link ClientCrypto} over a synchronous {@link CryptoProvider}: how the
 * Node SDK (node:crypto), tests and a caller's own `crypto` option run the client. A throw of the
 * provider becomes a rejection, so callers see one failure path whatever the backend.
 * @module
 */
import type { ClientCrypto, CryptoProvider, KeyCrypto } from './provider.js'

/** Calls `f` now and returns its result or throw as a promise. */
function settle<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f())
  } catch (err) {
    return Promise.reject(err)
  }
}

/**
 * The curve and KDF operations of `p` as {@link KeyCrypto}.
 *
 * @example
 * ```ts
 * const keys = keyCryptoOf(nodeProvider)
 * const { publicKey } = await keys.x25519Keygen()
 * ```
 */
export function keyCryptoOf(p: CryptoProvider): KeyCrypto {
  return {
    name: p.name,
    x25519Keygen: () => settle(() => p.x25519Keygen()),
    x25519PublicKey: (sk) => settle(() => p.x25519PublicKey(sk)),
    x25519: (sk, pk) => settle(() => p.x25519(sk, pk)),
    ed25519Keygen: () => settle(() => p.ed25519Keygen()),
    ed25519PublicKey: (sk) => settle(() => p.ed25519PublicKey(sk)),
    ed25519Sign: (msg, sk) => settle(() => p.ed25519Sign(msg, sk)),
    ed25519Verify: (sig, msg, pk) => settle(() => p.ed25519Verify(sig, msg, pk)),
    hkdfSha256: (ikm, salt, info, length) => settle(() => p.hkdfSha256(ikm, salt, info, length)),
    sha1: (data) => settle(() => p.sha1(data)),
  }
}

/**
 * A {@link ClientCrypto} that runs everything on the synchronous provider `p`.
 *
 * @example
 * ```ts
 * const conn = new Connection({ url, serverKey, provider: clientCryptoOf(nodeProvider), transports, token })
 * ```
 */
export function clientCryptoOf(p: CryptoProvider): ClientCrypto {
  const keys = keyCryptoOf(p)
  return {
    name: p.name,
    randomBytes: (n) => p.randomBytes(n),
    sha256: (...parts) => p.sha256(...parts),
    sha256Hasher: () => p.sha256Hasher(),
    igeEncrypt: (key, iv, data) => p.igeEncrypt(key, iv, data),
    igeDecrypt: (key, iv, data) => p.igeDecrypt(key, iv, data),
    gcmEncrypt: (key, nonce, data, aad) => p.gcmEncrypt(key, nonce, data, aad),
    gcmDecrypt: (key, nonce, data, aad) => p.gcmDecrypt(key, nonce, data, aad),
    keys,
    full: () => Promise.resolve(p),
  }
}
