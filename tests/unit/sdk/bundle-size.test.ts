/**
 * Bundle size of the whole browser SDK (`sdk/index.ts`, everything it exports), minified and
 * gzipped, and no Node built-in in it.
 *
 * The issue's budget is 30 KB. It is not met, and these ceilings say so with numbers: the
 * crypto and protocol layers the SDK is built on take ~22 KB gzipped of own code and their
 * dependencies (@noble/*, valibot) another ~21 KB; the client, chats, transport, storage, files and
 * keys add ~24 KB. The ceilings are the measured sizes plus ~8 %, to catch growth; lowering them is
 * the open work (see examples/README-sdk-draft.md, "Bundle size").
 *
 * - own code, dependencies external (as the npm build ships it): tests/helpers/bundle.ts.
 * - self-contained (as dist/browser/mt-chat.min.js): esbuild, because the helper's rollup setup
 *   has no CommonJS support and eventemitter3's ESM entry wraps a CommonJS file.
 */
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { bundleSize } from '../../helpers/bundle.js'

const KB = 1024
const ISSUE_BUDGET = 30 * KB
const OWN_CODE_CEILING = 50 * KB
const SELF_CONTAINED_CEILING = 76 * KB

describe('browser bundle: the whole SDK', () => {
  it(`own code ≤ ${OWN_CODE_CEILING / KB} KB gzipped (budget ${ISSUE_BUDGET / KB} KB not met), no Node built-ins`, async () => {
    const size = await bundleSize(['sdk/index.ts'], { dependencies: 'external' })
    console.info(`SDK own code: ${size.minBytes} B min, ${size.gzipBytes} B gzip (issue budget ${ISSUE_BUDGET} B)`)
    expect(size.externals).toEqual([])
    expect(size.modules).toContain('sdk/client.ts')
    expect(size.modules.some((m) => /sdk\/(storage\/file|crypto\/node|index\.node)\.ts$/.test(m))).toBe(false)
    expect(size.gzipBytes).toBeLessThanOrEqual(OWN_CODE_CEILING)
  }, 120_000)

  it(`self-contained ≤ ${SELF_CONTAINED_CEILING / KB} KB gzipped, no Node built-ins`, async () => {
    const out = await build({ entryPoints: ['sdk/index.ts'], bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent' })
    const code = out.outputFiles[0].contents
    const gz = gzipSync(code, { level: 9 }).length
    console.info(`SDK self-contained: ${code.length} B min, ${gz} B gzip`)
    expect(out.outputFiles[0].text).not.toMatch(/\bfrom\s*["']node:|import\(\s*["']node:|require\(\s*["'](node:)?(fs|os|path|crypto)["']\)/)
    expect(gz).toBeLessThanOrEqual(SELF_CONTAINED_CEILING)
  }, 120_000)
})
