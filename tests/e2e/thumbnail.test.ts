// Image thumbnails are made on the sender's device in browsers (OffscreenCanvas): a JPEG of at
// most 160 px and 16 KiB, checked in real Chromium.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bundleForBrowser, launchChromium } from '../helpers/chromium.js'
import { service } from '../helpers/env.js'

const chromium = await service('chromium')

describe.skipIf(!chromium.available)('thumbnails (Chromium)', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined
  afterAll(async () => {
    await browser?.close()
  })

  it('makes a small JPEG of an image and nothing for other files', async () => {
    const script = await bundleForBrowser(join(import.meta.dirname, 'fixtures', 'thumbnail-harness.ts'))
    browser = await launchChromium(chromium.url)
    const page = await browser.context.newPage()
    await page.route('http://mt-chat.test/**', (route) =>
      new URL(route.request().url()).pathname === '/t.js'
        ? route.fulfill({ contentType: 'text/javascript', body: script })
        : route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="/t.js"></script>' }),
    )
    await page.goto('http://mt-chat.test/')
    await page.waitForFunction(() => 'runThumbnail' in globalThis)
    const r = await page.evaluate(() => (globalThis as unknown as { runThumbnail(): Promise<Record<string, unknown>> }).runThumbnail())
    expect(r).toMatchObject({ ok: true, jpeg: true, width: 160, height: 107, none: true })
    expect(r.bytes as number).toBeLessThanOrEqual(r.max as number)
    expect(r.bytes as number).toBeLessThan(r.pngBytes as number)
  }, 60_000)
})
