/**
 * The public surface of `sdk/crypto` for every platform (DESIGN.md "Cryptography"): an explicit
 * list, no `export *`. The node:crypto backend is not here — it lives in `./node.ts`, reached only
 * from the Node entry, so the browser bundle never sees a Node built-in.
 * @module
 */
export type { CryptoProvider, Hasher, KeyPair } from './provider.js'
export { nobleProvider } from './noble.js'
export { withWebCrypto } from './webcrypto.js'
export { defaultProvider } from './default.js'

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

export {
  type DecryptOptions,
  encryptedFileSize,
  FILE_CHUNK_SIZE,
  FILE_SEALED_CHUNK_SIZE,
  type FileCipherOptions,
  FileDecryptor,
  type FileDigest,
  FileEncryptor,
  type FileKey,
  newFileKey,
} from './file-cipher.js'

export {
  EMOJI,
  emojiIndices,
  SAFETY_NUMBER_ITERATIONS,
  safetyNumber,
  verificationCode,
  type VerificationCode,
} from './fingerprint.js'
