/**
 * Every crypto backend the conformance suite runs on, unchanged: pure noble, node:crypto, and
 * noble with WebCrypto AES-GCM (the browser's default provider; Node 20 has `crypto.subtle`).
 */
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import type { CryptoProvider } from '../../../sdk/crypto/provider.js'
import { withWebCrypto } from '../../../sdk/crypto/webcrypto.js'

const webcrypto = withWebCrypto(nobleProvider)
if (webcrypto === nobleProvider) throw new Error('crypto.subtle is missing: the WebCrypto backend cannot be tested')

export const backends: [string, CryptoProvider][] = [
  ['noble', nobleProvider],
  ['node', nodeProvider],
  ['noble+webcrypto', webcrypto],
]
