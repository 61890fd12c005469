// examples/custom-frontend in real Chromium, served by the real relay as its README says
// (MT_STATIC_DIR): two tabs sign up and chat through the framework-agnostic chat store — on
// 127.0.0.1 (a secure context: the handshake and device keys on WebCrypto, no curve code loaded)
// and on a plain-http host name (no crypto.subtle: noble's curves load on demand).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeBrowserBuild } from '../helpers/bundle.js'
import { launchChromium } from '../helpers/chromium.js'
import { service } from '../helpers/env.js'
import { uniqueName } from '../helpers/relay.js'
import { harness, type Harness } from '../integration/sdk/harness.js'

const chromium = await service('chromium')

describe.skipIf(!chromium.available)('custom frontend example (Chromium)', () => {
  let h: Harness
  let dir: string
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-custom-'))
    for (const f of ['index.html', 'main.js', 'chat-store.js']) copyFileSync(join('examples/custom-frontend', f), join(dir, f))
    await writeBrowserBuild('sdk/index.ts', dir) // mt-chat.min.js and chunks/, as dist/browser/
    h = await harness({ staticDir: dir })
    // mt-chat.test resolves to the relay: http on a host that is not local is an insecure context.
    browser = await launchChromium(chromium.url, ['--host-resolver-rules=MAP mt-chat.test 127.0.0.1'])
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await h?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Two tabs at `base` sign up and exchange a cloud message; returns the script paths loaded. */
  async function chat(base: string): Promise<{ scripts: string[]; subtle: boolean }> {
    const [alice, bob] = [uniqueName('ca'), uniqueName('cb')]
    const errors: string[] = []
    const scripts: string[] = []
    const open = async (user: string, peer: string) => {
      const page = await browser!.context.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname))
      await page.goto(base)
      await page.fill('[name=user]', user)
      await page.fill('[name=password]', 'correct horse battery')
      await page.fill('[name=peer]', peer)
      await page.selectOption('[name=kind]', 'cloud')
      await page.click('button[value=signup]')
      await page.waitForSelector('#connection:has-text("online")', { timeout: 20_000 })
      return page
    }
    const a = await open(alice, bob)
    const b = await open(bob, alice)
    await a.fill('[data-testid=text]', 'hello from the store')
    await a.press('[data-testid=text]', 'Enter')
    await b.waitForSelector('[data-testid=log] li.in:has-text("hello from the store")', { timeout: 20_000 })
    await a.waitForSelector('[data-testid=log] li.out:has-text("✅")', { timeout: 20_000 })
    expect(errors).toEqual([])
    expect(scripts).toContain('/mt-chat.min.js')
    expect(scripts.some((p) => p.startsWith('/chunks/'))).toBe(true) // the start-up chunk: requests are seen
    const subtle = await a.evaluate(() => globalThis.crypto.subtle !== undefined)
    return { scripts, subtle }
  }

  it('two tabs chat in a cloud chat, loading no secret-chat, file, long-polling or curve code', async () => {
    const { scripts, subtle } = await chat(h.relay.url)
    expect(subtle).toBe(true)
    // A page that only uses cloud chats never loads the secret-chat code (nor files, long-polling),
    // and runs the handshake and device keys on WebCrypto: noble's curves never load.
    expect(scripts.filter((p) => /^\/chunks\/(secret-runtime|pipeline|poll-http|fingerprint|gcm-noble|noble)-/.test(p))).toEqual([])
  }, 60_000)

  it('in an insecure context (no crypto.subtle) the same page loads noble\'s curves and chats', async () => {
    const { scripts, subtle } = await chat(h.relay.url.replace('127.0.0.1', 'mt-chat.test'))
    expect(subtle).toBe(false)
    expect(new Set(scripts.filter((p) => /^\/chunks\/noble-/.test(p))).size).toBe(1) // loaded (once per tab)
  }, 60_000)
})
