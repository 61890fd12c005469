/**
 * The crypto of the browser entry ({@link ClientCrypto}), WebCrypto first:
 * - frames and files: noble's SHA-256, the compact-table AES-IGE, AES-GCM on WebCrypto;
 * - handshake and device keys: X25519, Ed25519, HKDF and SHA-1 on WebCrypto (`webcrypto-keys.ts`);
 * - the secret-chat layer's synchronous curves: noble (`noble.ts`), imported on first use — with
 *   secret chats, or for everything where `crypto.subtle` or its curves are missing.
 * So a page that connects and chats in the cloud never downloads JS curve code. The Node entry
 * (`sdk/index.node.ts`) runs on `nodeProvider` instead. No Node built-ins.
 * @module
 */
import { lazy } from '../util/lazy.js'
import { keyCryptoOf } from './client-crypto.js'
import { nobleCore } from './noble-core.js'
import type { ClientCrypto } from './provider.js'
import { withWebCrypto } from './webcrypto.js'
import { platformSubtle, webCryptoKeys } from './webcrypto-keys.js'

let cached: ClientCrypto | undefined

/**
 * The default crypto for browsers, built once, on first use (so a test can install
 * `globalThis.crypto` before).
 *
 * @example
 * ```ts
 * const c = defaultCrypto()
 * const { publicKey } = await c.keys.ed25519Keygen()
 * ```
 */
export function defaultCrypto(): ClientCrypto {
  if (cached) return cached
  const core = withWebCrypto(nobleCore)
  const full = lazy('crypto', async () => (await import('./noble.js')).withNobleCurves(core))
  cached = { ...core, keys: webCryptoKeys(platformSubtle(), async () => keyCryptoOf(await full())), full }
  return cached
}
