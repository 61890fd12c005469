/**
 * The synchronous core of the pure-JS backend ({@link CoreCrypto}): random bytes from
 * `crypto.getRandomValues`, SHA-256 (`sha256.ts`, checked against @noble/hashes), AES-256-IGE
 * on the compact tables, and AES-GCM on noble imported on first use (`gcm-noble.ts`;
 * `webcrypto.ts` swaps in WebCrypto wherever it exists, so browsers load it only in insecure
 * contexts). What a browser needs at start-up; `noble.ts` adds the rest.
 * @module
 */
import { MtChatError } from '../errors.js'
import { assertBytes } from '../util/bytes.js'
import { lazy } from '../util/lazy.js'
import { igeDecryptCompact, igeEncryptCompact } from './aes-ige-compact.js'
import type { CoreCrypto } from './provider.js'
import { sha256, sha256Hasher } from './sha256.js'

const nobleGcm = lazy('AES-GCM', () => import('./gcm-noble.js'))

function checkGcm(key: Uint8Array, nonce: Uint8Array): void {
  assertBytes(key, 'key', 32)
  assertBytes(nonce, 'nonce', 12)
}

/** The pure-JS core (named "noble": its GCM and the full provider's curves are @noble's). */
export const nobleCore: CoreCrypto = {
  name: 'noble',
  randomBytes(n) {
    // getRandomValues takes at most 65536 bytes per call.
    const rng = globalThis.crypto
    if (typeof rng?.getRandomValues !== 'function') throw new MtChatError('NOT_SUPPORTED', 'crypto.getRandomValues is not available', { op: 'crypto.random' })
    const out = new Uint8Array(n)
    for (let off = 0; off < n; off += 65536) rng.getRandomValues(out.subarray(off, Math.min(n, off + 65536)))
    return out
  },
  sha256,
  sha256Hasher,
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
}
