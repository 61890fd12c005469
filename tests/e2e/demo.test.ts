// The demo page served by the real relay, in real Chromium: two browsers (fresh profiles) sign
// up, exchange a secret and a cloud message through the SDK's browser build, compare safety
// numbers and send a file (both load their code from the build's chunks on first use).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeBrowserBuild } from '../helpers/bundle.js'
import { launchChromium } from '../helpers/chromium.js'
import { service } from '../helpers/env.js'
import { uniqueName } from '../helpers/relay.js'
import { harness, type Harness } from '../integration/sdk/harness.js'

const chromium = await service('chromium')

describe.skipIf(!chromium.available)('demo page (Chromium)', () => {
  let h: Harness
  let dir: string
  const browsers: Awaited<ReturnType<typeof launchChromium>>[] = []

  beforeAll(async () => {
    // The page as `npm start` serves it, with the bundle built from this checkout's source.
    dir = mkdtempSync(join(tmpdir(), 'mt-demo-'))
    for (const f of ['index.html', 'app.js', 'style.css']) copyFileSync(join('examples/demo', f), join(dir, f))
    await writeBrowserBuild('sdk/index.ts', dir) // mt-chat.min.js and chunks/, as dist/browser/
    h = await harness({ staticDir: dir })
  }, 120_000)

  afterAll(async () => {
    for (const b of browsers) await b.close()
    await h?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function user(): Promise<{ page: Page; name: string; errors: string[]; chunks: string[] }> {
    const b = await launchChromium(chromium.url)
    browsers.push(b)
    const page = await b.context.newPage()
    const errors: string[] = []
    const chunks: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname
      if (path.startsWith('/chunks/')) chunks.push(`${r.status()} ${path}`)
    })
    await page.goto(h.relay.url)
    const name = uniqueName('w')
    await page.fill('[name=username]', name)
    await page.fill('[name=password]', 'correct horse battery')
    await page.click('button[value=signup]')
    await page.waitForSelector('[data-testid=status].online', { timeout: 20_000 })
    return { page, name, errors, chunks }
  }

  async function keysPublished(name: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const probe = await h.relay.register()
      const u = await h.relay.api.get(`/v1/users/${name}`, { token: probe.token })
      const d = await h.relay.api.get(`/v1/keys/${u.body.id}/devices`, { token: probe.token })
      if (d.body?.devices?.length) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`keys of ${name} never published`)
  }

  it('two users sign up and exchange a secret and a cloud message', async () => {
    const alice = await user()
    const bob = await user()
    await keysPublished(bob.name)

    await alice.page.fill('[data-testid=peer]', bob.name)
    await alice.page.click('[data-testid=open-secret]')
    await alice.page.fill('[data-testid=text]', 'hello bob, secretly')
    await alice.page.click('[data-testid=send]')
    await alice.page.waitForSelector('[data-testid=messages] li.out .meta:text-matches("✔|✅")', { timeout: 20_000 })

    // Bob's panel shows the new chat; opening it shows the message.
    await bob.page.click('.chats button:has-text("🔒")', { timeout: 20_000 })
    await bob.page.waitForSelector('[data-testid=messages] li.in:has-text("hello bob, secretly")', { timeout: 20_000 })

    await bob.page.fill('[data-testid=peer]', alice.name)
    await bob.page.click('[data-testid=open-cloud]')
    await bob.page.fill('[data-testid=text]', 'hi alice, in the cloud')
    await bob.page.click('[data-testid=send]')
    await alice.page.click('.chats button:has-text("☁")', { timeout: 20_000 })
    await alice.page.waitForSelector('[data-testid=messages] li.in:has-text("hi alice, in the cloud")', { timeout: 20_000 })

    // Alice's secret message reaches ✅ once Bob has read it.
    await alice.page.click('.chats button:has-text("🔒")')
    await alice.page.waitForSelector('[data-testid=messages] li.out .meta:text("✅")', { timeout: 20_000 })

    // What most pages never need at start-up comes from /chunks/ on first use: the verification
    // codes (both sides see the same safety number) and the file pipeline.
    const safetyNumber = async (u: typeof alice) => {
      await u.page.click('[data-testid=verify]')
      const box = await u.page.waitForSelector('.verification:text-matches("([0-9]{5} ){11}[0-9]{5}")', { timeout: 20_000 })
      return /(\d{5} ){11}\d{5}/.exec((await box.textContent()) ?? '')?.[0]
    }
    await bob.page.click('.chats button:has-text("🔒")')
    const [forAlice, forBob] = [await safetyNumber(alice), await safetyNumber(bob)]
    expect(forAlice).toMatch(/^(\d{5} ){11}\d{5}$/)
    expect(forBob).toBe(forAlice)

    const content = 'a file through the lazily loaded pipeline\n'.repeat(100)
    await alice.page.setInputFiles('input[name=file]', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from(content) })
    await alice.page.click('[data-testid=send]')
    const link = await bob.page.waitForSelector('[data-testid=messages] li.in a:has-text("note.txt")', { timeout: 20_000 })
    const [download] = await Promise.all([bob.page.waitForEvent('download', { timeout: 20_000 }), link.click()])
    expect(readFileSync((await download.path())!, 'utf8')).toBe(content)

    for (const u of [alice, bob]) {
      expect(u.chunks.some((c) => /^200 \/chunks\/secret-runtime-[\w-]+\.js$/.test(c))).toBe(true)
      expect(u.chunks.some((c) => /^200 \/chunks\/fingerprint-[\w-]+\.js$/.test(c))).toBe(true)
      expect(u.chunks.some((c) => /^200 \/chunks\/pipeline-[\w-]+\.js$/.test(c))).toBe(true)
      expect(u.chunks.filter((c) => !c.startsWith('200 '))).toEqual([])
    }
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
  }, 120_000)
})
