// The KeyCrypto conformance suite inside real Chromium, on the browser SDK's default crypto: in a
// secure page (https: WebCrypto's X25519/Ed25519/HKDF) and in an insecure one (http on a
// non-local host: no crypto.subtle, so noble loaded on demand). The same cases as
// key-conformance.test.ts, bundled with the SDK's crypto and run in the page.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleForBrowser, launchChromium } from '../../helpers/chromium.js'
import { service } from '../../helpers/env.js'
import { keyCases } from './key-conformance.js'
import { keyVectors } from './key-vectors.js'

const chromium = await service('chromium')

type Run = { subtle: boolean; results: { name: string; error?: string }[] }

describe.skipIf(!chromium.available)('KeyCrypto conformance in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>
  const runs: Record<'secure' | 'insecure', Run | undefined> = { secure: undefined, insecure: undefined }

  beforeAll(async () => {
    const script = await bundleForBrowser(join(import.meta.dirname, 'fixtures', 'key-harness.ts'))
    browser = await launchChromium(chromium.url)
    for (const [kind, origin] of [['secure', 'https://mt-chat.test'], ['insecure', 'http://mt-chat.test']] as const) {
      const page = await browser.context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(String(e)))
      await page.route(`${origin}/**`, (route) => {
        const url = new URL(route.request().url())
        if (url.pathname === '/suite.js') return route.fulfill({ contentType: 'text/javascript', body: script })
        return route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="/suite.js"></script>' })
      })
      await page.goto(`${origin}/`)
      await page.waitForFunction(() => 'runKeyConformance' in globalThis)
      runs[kind] = await page.evaluate((v) => (globalThis as unknown as { runKeyConformance(v: unknown): Promise<Run> }).runKeyConformance(v), keyVectors)
      expect(errors).toEqual([])
      await page.close()
    }
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('runs on WebCrypto in the secure page and without crypto.subtle in the insecure one', () => {
    expect(runs.secure?.subtle).toBe(true)
    expect(runs.insecure?.subtle).toBe(false)
  })

  for (const kind of ['secure', 'insecure'] as const)
    for (const c of keyCases)
      it(`${kind} page: ${c.name}`, () => {
        const r = runs[kind]?.results.find((x) => x.name === c.name)
        expect(r, 'the case ran in the page').toBeDefined()
        expect(r!.error).toBeUndefined()
      })
})
