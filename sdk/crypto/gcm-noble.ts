/**
 * AES-256-GCM on @noble/ciphers, the pure-JS fallback of the file cipher. Browsers use WebCrypto
 * (`webcrypto.ts`) and the relay node:crypto, so `noble.ts` imports this file only when GCM is
 * first needed without them (an insecure context, a runtime with no `crypto.subtle`).
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js'
import { MtChatError } from '../errors.js'

/** AES-256-GCM encryption; returns ciphertext ‖ 16-byte tag. Arguments are checked by the caller. */
export function gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
  return gcm(key, nonce, aad).encrypt(plaintext)
}

/** AES-256-GCM decryption of ciphertext ‖ tag; CRYPTO_AUTH_FAILED when it does not authenticate. */
export function gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  try {
    return gcm(key, nonce, aad).decrypt(sealed)
  } catch (cause) {
    throw new MtChatError('CRYPTO_AUTH_FAILED', undefined, { cause, op: 'gcm.decrypt' })
  }
}
