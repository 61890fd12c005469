/**
 * AES-256-GCM on WebCrypto (`globalThis.crypto.subtle`), wrapped around another backend: browsers
 * run AES-GCM in native code this way (files are the bulk of the data a client encrypts), and
 * everything else stays on the wrapped backend, which keeps the synchronous API that framing needs.
 * Without `crypto.subtle` (an insecure context, an old runtime) the wrapped backend's GCM is used.
 * No Node built-ins: this file is part of the browser bundle.
 * @module
 */
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import type { CoreCrypto } from './provider.js'

/** The subset of SubtleCrypto used here (typed locally so no DOM-only type leaks into the API). */
interface Subtle {
  importKey(format: 'raw', key: Uint8Array, algorithm: 'AES-GCM', extractable: false, usages: string[]): Promise<unknown>
  encrypt(params: object, key: unknown, data: Uint8Array): Promise<ArrayBuffer>
  decrypt(params: object, key: unknown, data: Uint8Array): Promise<ArrayBuffer>
}

function subtle(): Subtle | undefined {
  const c = (globalThis as { crypto?: { subtle?: Subtle } }).crypto
  return c?.subtle
}

function checkGcm(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined): void {
  assertBytes(key, 'key', 32)
  assertBytes(nonce, 'nonce', 12)
  if (aad !== undefined) assertBytes(aad, 'aad')
}

function params(nonce: Uint8Array, aad: Uint8Array | undefined): object {
  return aad !== undefined && aad.length > 0
    ? { name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }
    : { name: 'AES-GCM', iv: nonce, tagLength: 128 }
}

/**
 * A provider (or core) equal to `base` except that AES-GCM runs on WebCrypto when the platform has it.
 *
 * @example
 * ```ts
 * import { nobleProvider } from './noble.js'
 * const p = withWebCrypto(nobleProvider)
 * const sealed = await p.gcmEncrypt(key, nonce, data)
 * ```
 */
export function withWebCrypto<P extends CoreCrypto>(base: P): P {
  const s = subtle()
  if (s === undefined) return base
  return {
    ...base,
    name: `${base.name}+webcrypto`,
    async gcmEncrypt(key, nonce, plaintext, aad) {
      checkGcm(key, nonce, aad)
      assertBytes(plaintext, 'plaintext')
      const k = await s.importKey('raw', key, 'AES-GCM', false, ['encrypt'])
      return new Uint8Array(await s.encrypt(params(nonce, aad), k, plaintext))
    },
    async gcmDecrypt(key, nonce, sealed, aad) {
      checkGcm(key, nonce, aad)
      assertBytes(sealed, 'sealed')
      if (sealed.length < 16) throw new MtChatError('CRYPTO_AUTH_FAILED', 'AES-GCM input shorter than its tag', { op: 'gcm.decrypt' })
      const k = await s.importKey('raw', key, 'AES-GCM', false, ['decrypt'])
      try {
        return new Uint8Array(await s.decrypt(params(nonce, aad), k, sealed))
      } catch (cause) {
        throw new MtChatError('CRYPTO_AUTH_FAILED', undefined, { cause, op: 'gcm.decrypt' })
      }
    },
  }
}
