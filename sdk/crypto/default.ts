/**
 * The crypto backend of the browser entry: noble everywhere, AES-GCM on WebCrypto where the page
 * has it. The Node entry (`sdk/index.node.ts`) passes `nodeProvider` instead. No Node built-ins.
 * @module
 */
import { nobleProvider } from './noble.js'
import type { CryptoProvider } from './provider.js'
import { withWebCrypto } from './webcrypto.js'

let cached: CryptoProvider | undefined

/**
 * The default provider for browsers: {@link nobleProvider} with WebCrypto AES-GCM when available.
 * Built once, on first use (so a test can install `globalThis.crypto` before).
 *
 * @example
 * ```ts
 * const p = defaultProvider()
 * const id = p.ed25519Keygen()
 * ```
 */
export function defaultProvider(): CryptoProvider {
  cached ??= withWebCrypto(nobleProvider)
  return cached
}
