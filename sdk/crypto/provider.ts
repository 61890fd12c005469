/**
 * The one small crypto interface everything above `sdk/crypto` uses (mtcute's ICryptoProvider,
 * libsignal's stores). Backends:
 * - `noble.ts`  — pure JS (@noble/*), every platform; the reference and the browser's sync path.
 * - `node.ts`   — node:crypto where it is faster (relay and Node SDK); never in the browser bundle.
 * - `webcrypto.ts` — wraps another backend so AES-GCM runs on `crypto.subtle` (browsers).
 * AES-GCM (files only) is async so browsers can use WebCrypto (`webcrypto.ts`).
 *
 * Every backend passes the same conformance suite (tests/unit/crypto/conformance.test.ts) and the
 * vectors of tests/fixtures/vectors. All functions take and return fresh Uint8Arrays; none keeps a
 * reference to its inputs.
 * @module
 */

/** An X25519 or Ed25519 key pair; `secretKey` is 32 bytes, `publicKey` 32 bytes. */
export interface KeyPair {
  secretKey: Uint8Array
  publicKey: Uint8Array
}

/** An incremental hash: feed it with `update`, then `digest` once. */
export interface Hasher {
  /** Adds `data` to the hashed stream; returns the same hasher. */
  update(data: Uint8Array): Hasher
  /** The digest of everything added so far. The hasher cannot be used afterwards. */
  digest(): Uint8Array
}

/** The primitives mt-chat needs. Sync except AES-GCM, which browsers only have async. */
export interface CryptoProvider {
  /** Backend name for diagnostics, e.g. "noble" or "node". */
  readonly name: string

  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array

  /** SHA-256 of the concatenation of `parts` (no copy needed by the caller). */
  sha256(...parts: Uint8Array[]): Uint8Array
  /** Incremental SHA-256 for streams (the file cipher). */
  sha256Hasher(): Hasher
  /** SHA-512 of `data`. */
  sha512(data: Uint8Array): Uint8Array
  /** SHA-1 of `data` (only for MTProto key ids). */
  sha1(data: Uint8Array): Uint8Array
  /** HMAC-SHA256. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array
  /** HKDF-SHA256 (RFC 5869); `length` ≤ 255·32, else CRYPTO_BAD_LENGTH. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array

  /** AES-256-IGE encryption (docs/PROTOCOL.md §1); data a non-empty multiple of 16. */
  igeEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array
  /** AES-256-IGE decryption. */
  igeDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array

  /** AES-256-GCM with a 12-byte nonce; returns ciphertext ‖ 16-byte tag. */
  gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>
  /** AES-256-GCM decryption of ciphertext ‖ tag; rejects with CRYPTO_AUTH_FAILED. */
  gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>

  /** A fresh X25519 key pair. */
  x25519Keygen(): KeyPair
  /** The X25519 public key of a 32-byte secret. */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array
  /** X25519(secret, public); CRYPTO_BAD_KEY when the result is all zero (low-order public key). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array

  /** A fresh Ed25519 key pair (secretKey is the 32-byte seed). */
  ed25519Keygen(): KeyPair
  /** The Ed25519 public key of a 32-byte seed. */
  ed25519PublicKey(secretKey: Uint8Array): Uint8Array
  /** Ed25519 signature (64 bytes). */
  ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array
  /**
   * Strict RFC 8032 verification as docs/PROTOCOL.md §1 fixes it (S < L; A and R canonical and not
   * of small order; cofactorless equation), the same on every backend; false (never throws) for
   * any malformed input.
   */
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean
}
