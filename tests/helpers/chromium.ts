/**
 * Real Chromium for tests (playwright-core, no bundled browser): the system Chromium from
 * `service('chromium')`, headless, with a fresh user-data-dir per launch, and `bundleForBrowser`
 * to turn a TypeScript entry into one ES module a page can load (esbuild, as vite uses it).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** A headless Chromium with its own fresh profile; `close()` removes the profile. `extraArgs` are added to {@link CHROMIUM_ARGS}. */
export async function launchChromium(executablePath: string, extraArgs: string[] = []): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'mt-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Bundles a TypeScript entry and everything it imports into one browser ES module (as text). */
export async function bundleForBrowser(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  })
  return out.outputFiles[0].text
}
