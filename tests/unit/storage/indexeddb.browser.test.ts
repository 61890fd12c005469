// The storage conformance suite on the IndexedDB adapter, inside real Chromium: the same cases as
// conformance.test.ts, bundled with the adapter and run in a page on an http origin.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleForBrowser, launchChromium } from '../../helpers/chromium.js'
import { service } from '../../helpers/env.js'
import { cases } from './conformance.js'

const chromium = await service('chromium')

describe.skipIf(!chromium.available)('storage conformance: indexeddb (Chromium)', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>
  let results: { name: string; error?: string }[]

  beforeAll(async () => {
    const script = await bundleForBrowser(join(import.meta.dirname, 'fixtures', 'idb-harness.ts'))
    browser = await launchChromium(chromium.url)
    const page = await browser.context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.route('http://mt-chat.test/**', (route) => {
      const url = new URL(route.request().url())
      if (url.pathname === '/suite.js') return route.fulfill({ contentType: 'text/javascript', body: script })
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="/suite.js"></script>' })
    })
    await page.goto('http://mt-chat.test/')
    await page.waitForFunction(() => 'runConformance' in globalThis)
    results = await page.evaluate(() => (globalThis as unknown as { runConformance(): Promise<{ name: string; error?: string }[]> }).runConformance())
    expect(errors).toEqual([])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  for (const c of cases)
    it(c.name, () => {
      const r = results.find((x) => x.name === c.name)
      expect(r, 'the case ran in the page').toBeDefined()
      expect(r!.error).toBeUndefined()
    })
})
