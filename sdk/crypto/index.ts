/**
 * The start-up surface of `sdk/crypto` for every platform (DESIGN.md "Cryptography"): an explicit
 * list, no `export *`. Not here, each its own module:
 * - what the SDK loads on first use: `./noble.js` (the complete pure-JS provider with noble's
 *   curves: secret chats, or where WebCrypto lacks them), `./gcm-noble.js` (AES-GCM without
 *   WebCrypto), `./file-cipher.js` (files), `./fingerprint.js` (safety numbers);
 * - the node:crypto backend, `./node.js`, reached only from the Node entry, so the browser bundle
 *   never sees a Node built-in.
 * @module
 */
export type { ClientCrypto, CoreCrypto, CryptoProvider, Hasher, KeyCrypto, KeyPair } from './provider.js'
export { nobleCore } from './noble-core.js'
export { withWebCrypto } from './webcrypto.js'
export { webCryptoKeys } from './webcrypto-keys.js'
export { clientCryptoOf, keyCryptoOf } from './client-crypto.js'
export { defaultCrypto } from './default.js'

export { igeDecryptCompact as igeDecrypt, igeEncryptCompact as igeEncrypt } from './aes-ige-compact.js'
export { decryptMessage, type Direction, encryptMessage, kdf, keyId, MAX_PADDING, MIN_PADDING, msgKey } from './mtproto2.js'
export { ctEqual, wipe } from './ct.js'

export {
  assertSignature,
  type BytesLike,
  deserializeKeyPair,
  deserializePublicKey,
  generateKeyPair,
  hkdf,
  type KeyKind,
  secureRandom,
  type SerializedKeyPair,
  serializeKeyPair,
  serializePublicKey,
  SIGN_CONTEXTS,
  type SignContext,
  signWithContext,
  verifyWithContext,
} from './keys.js'
