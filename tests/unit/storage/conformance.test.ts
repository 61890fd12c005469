// The storage conformance suite on the Node adapters: memory and file (IndexedDB runs the same
// cases in Chromium, indexeddb.browser.test.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, it } from 'vitest'
import { fileStorage } from '../../../sdk/storage/file.js'
import { memoryStorage } from '../../../sdk/storage/memory.js'
import type { StorageAdapter } from '../../../sdk/storage/types.js'
import { cases, type Ctx } from './conformance.js'

const open: StorageAdapter[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

const adapters: { name: string; persistent: boolean; make: () => Ctx }[] = [
  { name: 'memory', persistent: false, make: () => ({ storage: track(memoryStorage()) }) },
  {
    name: 'file',
    persistent: true,
    make: () => {
      const dir = mkdtempSync(join(root, 'c-'))
      let current = track(fileStorage({ path: dir }))
      return {
        storage: current,
        reopen: async () => {
          await current.close()
          current = track(fileStorage({ path: dir }))
          return current
        },
      }
    },
  },
]

const root = mkdtempSync(join(tmpdir(), 'mt-storage-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function track(s: StorageAdapter): StorageAdapter {
  open.push(s)
  return s
}

for (const a of adapters)
  describe(`storage conformance: ${a.name}`, () => {
    for (const c of cases) if (!c.persistent || a.persistent) it(c.name, () => c.run(a.make()))
  })
