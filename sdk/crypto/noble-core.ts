/**
 * The synchronous core of the pure-JS backend ({@link CoreCrypto}): random bytes, SHA-256 on
 * @noble/hashes, AES-256-IGE on the compact tables, and AES-GCM on noble imported on first use
 * (`gcm-noble.ts`; `webcrypto.ts` swaps in WebCrypto wherever it exists, so browsers load it only
 * in insecure contexts). What a browser needs at start-up; `noble.ts` adds the rest.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { assertBytes } from '../util/bytes.js'
import { lazy } from '../util/lazy.js'
import { igeDecryptCompact, igeEncryptCompact } from './aes-ige-compact.js'
import type { CoreCrypto, Hasher } from './provider.js'

const nobleGcm = lazy('AES-GCM', () => import('./gcm-noble.js'))

function checkGcm(key: Uint8Array, nonce: Uint8Array): void {
  assertBytes(key, 'key', 32)
  assertBytes(nonce, 'nonce', 12)
}

/** A {@link Hasher} over a noble hash instance. */
function nobleHasher(h: { update(data: Uint8Array): unknown; digest(): Uint8Array }): Hasher {
  const self: Hasher = {
    update(data) {
      h.update(data)
      return self
    },
    digest: () => h.digest(),
  }
  return self
}

/** The @noble/* core. */
export const nobleCore: CoreCrypto = {
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
  sha256Hasher: () => nobleHasher(sha256.create()),
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
