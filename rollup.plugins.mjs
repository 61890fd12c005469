// Rollup plugins shared by rollup.config.mjs and tests/helpers/bundle.ts, so the size tests
// measure what the build ships. Types: rollup.plugins.d.mts.
import { readFileSync } from 'node:fs'

/**
 * Wraps dependency-free CommonJS files as ESM (instead of pulling in plugin-commonjs):
 * eventemitter3's ESM entry re-exports its CommonJS file.
 */
export const cjsAsEsm = (files) => ({
  name: 'cjs-as-esm',
  transform(code, id) {
    if (!files.some((f) => id.endsWith(f))) return null
    return { code: `const module = { exports: {} };\n(function (module, exports) {\n${code}\n})(module, module.exports);\nexport default module.exports;\n`, map: null }
  },
})

const COPY = '?own-copy'

/**
 * Gives the modules whose path ends with `importer` their own copy of `source`. Rollup never splits
 * one module between chunks, so a chunk loaded on first use that needs more of a module than the
 * start-up chunk does would otherwise put that part in the start-up chunk: here noble's AES-GCM
 * fallback (sdk/crypto/gcm-noble.ts, loaded only where crypto.subtle is missing) and
 * `@noble/ciphers/aes.js`; noble's curves (sdk/crypto/noble.ts and curve25519.ts, loaded with
 * secret chats) and `@noble/hashes/sha2.js`, whose SHA-256 the start-up chunk needs and whose
 * SHA-512 only the curves do.
 */
export const ownCopy = (importer, source) => ({
  name: 'own-copy',
  async resolveId(id, from, options) {
    if (id !== source || !from?.endsWith(importer)) return null
    const resolved = await this.resolve(id, from, { ...options, skipSelf: true })
    return resolved && { ...resolved, id: resolved.id + COPY }
  },
  load(id) {
    return id.endsWith(COPY) ? readFileSync(id.slice(0, -COPY.length), 'utf8') : null
  },
})

/** The plugins of every browser build of the SDK, in order, before TypeScript and node-resolve. */
export const browserPlugins = () => [
  cjsAsEsm(['node_modules/eventemitter3/index.js']),
  ownCopy('sdk/crypto/gcm-noble.ts', '@noble/ciphers/aes.js'),
  ownCopy('sdk/crypto/noble.ts', '@noble/hashes/sha2.js'),
  ownCopy('sdk/crypto/curve25519.ts', '@noble/hashes/sha2.js'),
]
