/**
 * The small crypto interfaces everything above `sdk/crypto` uses (mtcute's ICryptoProvider,
 * libsignal's stores):
 * - {@link CoreCrypto}: what every frame needs, synchronous (random bytes, SHA-256, AES-IGE) plus
 *   AES-GCM for files (async, so browsers can use WebCrypto).
 * - {@link CryptoProvider}: all of it synchronous — the core and SHA-512, SHA-1, HMAC, HKDF,
 *   X25519, Ed25519. The relay, the Node SDK and the secret-chat layer run on it.
 * - {@link KeyCrypto}: the curve and KDF operations as promises, so a browser runs them on
 *   WebCrypto's native X25519/Ed25519/HKDF and never downloads a JS implementation for them;
 *   {@link ClientCrypto} bundles it with the core, and hands out the full sync provider on demand.
 * Backends:
 * - `noble.ts` (on `noble-core.ts`) — pure JS (@noble/*), every platform; the reference.
 * - `node.ts`   — node:crypto where it is faster (relay and Node SDK); never in the browser bundle.
 * - `webcrypto.ts` — wraps another backend so AES-GCM runs on `crypto.subtle` (browsers);
 *   `webcrypto-keys.ts` — KeyCrypto on `crypto.subtle`; `default.ts` — the browser's ClientCrypto.
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

/**
 * What layer-1 frames, secret envelopes and files need: sync except AES-GCM, which browsers only
 * have async.
 */
export interface CoreCrypto {
  /** Backend name for diagnostics, e.g. "noble" or "node". */
  readonly name: string

  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array

  /** SHA-256 of the concatenation of `parts` (no copy needed by the caller). */
  sha256(...parts: Uint8Array[]): Uint8Array
  /** Incremental SHA-256 for streams (the file cipher). */
  sha256Hasher(): Hasher

  /** AES-256-IGE encryption (docs/PROTOCOL.md §1); data a non-empty multiple of 16. */
  igeEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array
  /** AES-256-IGE decryption. */
  igeDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array

  /** AES-256-GCM with a 12-byte nonce; returns ciphertext ‖ 16-byte tag. */
  gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>
  /** AES-256-GCM decryption of ciphertext ‖ tag; rejects with CRYPTO_AUTH_FAILED. */
  gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>
}

/** Every primitive mt-chat needs, synchronous except AES-GCM. */
export interface CryptoProvider extends CoreCrypto {
  /** SHA-512 of `data`. */
  sha512(data: Uint8Array): Uint8Array
  /** SHA-1 of `data` (only for MTProto key ids). */
  sha1(data: Uint8Array): Uint8Array
  /** HMAC-SHA256. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array
  /** HKDF-SHA256 (RFC 5869); `length` ≤ 255·32, else CRYPTO_BAD_LENGTH. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array

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

/**
 * The curve and KDF operations of {@link CryptoProvider}, as promises: the same contracts (and the
 * same conformance suite), with failures as rejections. What the client's handshake and device
 * keys use, so browsers run them on WebCrypto (`webcrypto-keys.ts`).
 */
export interface KeyCrypto {
  /** Backend name for diagnostics, e.g. "webcrypto" or "node". */
  readonly name: string
  x25519Keygen(): Promise<KeyPair>
  x25519PublicKey(secretKey: Uint8Array): Promise<Uint8Array>
  /** Rejects with CRYPTO_BAD_KEY for a low-order public key (all-zero result). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>
  ed25519Keygen(): Promise<KeyPair>
  ed25519PublicKey(secretKey: Uint8Array): Promise<Uint8Array>
  ed25519Sign(message: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>
  /** The strict rule of {@link CryptoProvider.ed25519Verify}; resolves false for malformed input. */
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>
  sha1(data: Uint8Array): Promise<Uint8Array>
}

/**
 * What the SDK client runs on: the sync core for frames and files, {@link KeyCrypto} for the
 * handshake and the device keys, and the complete sync provider for the secret-chat layer, which
 * a browser loads (with the rest of secret chats) on first use.
 */
export interface ClientCrypto extends CoreCrypto {
  readonly keys: KeyCrypto
  /** The complete synchronous provider (same core). */
  full(): Promise<CryptoProvider>
}
