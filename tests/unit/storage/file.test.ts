// File adapter specifics beyond the conformance suite: file modes, crash safety (torn tail,
// corruption, SIGKILL mid-write), compaction, and the single-writer lock.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fileStorage } from '../../../sdk/storage/file.js'

const root = mkdtempSync(join(tmpdir(), 'mt-file-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const fresh = () => mkdtempSync(join(root, 'd-'))

describe('file storage', () => {
  it('creates its directory 0700 and its files 0600', async () => {
    const dir = join(fresh(), 'nested', 'store')
    const s = fileStorage({ path: dir, compactAfterBytes: 1 })
    await s.set('keys', 'identity', new Uint8Array(32))
    await s.set('keys', 'again', 1) // forces a compaction, so snapshot.json exists too
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, 'journal.log')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'snapshot.json')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'lock')).mode & 0o777).toBe(0o600)
    await s.close()
  })

  it('drops a torn last record and keeps everything before it', async () => {
    const dir = fresh()
    const s = fileStorage({ path: dir })
    await s.set('s', 'a', 1)
    await s.batch([
      { op: 'set', store: 's', key: 'b', value: 2 },
      { op: 'set', store: 's', key: 'c', value: 3 },
    ])
    await s.close()
    const journal = join(dir, 'journal.log')
    const good = readFileSync(journal)
    appendFileSync(journal, good.subarray(0, good.indexOf(10) - 3)) // half a record, no newline
    const t = fileStorage({ path: dir })
    expect((await t.list('s')).map((e) => e.key)).toEqual(['a', 'b', 'c'])
    await t.set('s', 'd', 4)
    await t.close()
    const u = fileStorage({ path: dir })
    expect((await u.list('s')).map((e) => e.key)).toEqual(['a', 'b', 'c', 'd'])
    await u.close()
  })

  it('stops replay at a record whose checksum fails', async () => {
    const dir = fresh()
    const s = fileStorage({ path: dir })
    await s.set('s', 'a', 1)
    await s.set('s', 'b', 2)
    await s.set('s', 'c', 3)
    await s.close()
    const journal = join(dir, 'journal.log')
    const bytes = readFileSync(journal)
    const second = bytes.indexOf(10) + 1
    bytes[second + 20] ^= 1 // flip a bit inside the second record's JSON
    writeFileSync(journal, bytes)
    const t = fileStorage({ path: dir })
    expect(await t.list('s')).toEqual([{ key: 'a', value: 1 }])
    await t.close()
  })

  it('compacts the journal into a snapshot without losing data', async () => {
    const dir = fresh()
    const s = fileStorage({ path: dir, compactAfterBytes: 2048 })
    for (let i = 0; i < 200; i++) await s.set('m', String(i).padStart(4, '0'), { i, bytes: new Uint8Array([i & 255]) })
    for (let i = 0; i < 200; i += 2) await s.delete('m', String(i).padStart(4, '0'))
    expect(statSync(join(dir, 'journal.log')).size).toBeLessThan(2048 + 200)
    await s.close()
    const t = fileStorage({ path: dir })
    const all = await t.list<{ i: number; bytes: Uint8Array }>('m')
    expect(all.length).toBe(100)
    expect(all.every((e) => e.value.i % 2 === 1 && e.value.bytes[0] === (e.value.i & 255))).toBe(true)
    await t.close()
  })

  it('compact() leaves no overwritten or deleted value in any file', async () => {
    const dir = fresh()
    const s = fileStorage({ path: dir })
    await s.set('keys', 'old', 'OLD-KEY-MATERIAL-0123456789')
    await s.set('keys', 'current', 'FIRST')
    await s.batch([
      { op: 'delete', store: 'keys', key: 'old' },
      { op: 'set', store: 'keys', key: 'current', value: 'SECOND' },
    ])
    const files = () => ['journal.log', 'snapshot.json'].map((f) => {
      try {
        return readFileSync(join(dir, f), 'utf8')
      } catch {
        return ''
      }
    }).join('')
    expect(files()).toContain('OLD-KEY-MATERIAL')
    await s.compact!()
    expect(files()).not.toContain('OLD-KEY-MATERIAL')
    expect(files()).not.toContain('FIRST')
    expect(await s.get('keys', 'current')).toBe('SECOND')
    await s.close()
    const t = fileStorage({ path: dir })
    expect(await t.list('keys')).toEqual([{ key: 'current', value: 'SECOND' }])
    await t.close()
  })

  it('survives SIGKILL during writes: every acknowledged batch is there, no batch half-applied', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = fresh()
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'writer.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] })
      let acked = 0
      const target = 150 + round * 97
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8')
        let buf = ''
        child.stdout.on('data', (chunk: string) => {
          buf += chunk
          const lines = buf.split('\n')
          buf = lines.pop()!
          for (const l of lines) acked = Math.max(acked, Number(l))
          if (acked >= target && !child.killed) child.kill('SIGKILL')
        })
        child.on('exit', () => resolve())
        child.on('error', reject)
      })
      const s = fileStorage({ path: dir }) // the lock of the dead process is stale and taken over
      const a = await s.get<number>('a', 'n')
      const b = await s.get<number>('b', 'n')
      expect(a).toBe(b)
      expect(a).toBeGreaterThanOrEqual(acked)
      await s.close()
    }
  }, 60_000)

  it('refuses a second open of the same directory', async () => {
    const dir = fresh()
    const s = fileStorage({ path: dir })
    await s.set('s', 'k', 1)
    const t = fileStorage({ path: dir })
    await expect(t.get('s', 'k')).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
    await s.close()
    expect(await t.get('s', 'k')).toBe(1) // free again once the first is closed
    await t.close()
  })

  it('refuses a directory locked by another live process', async () => {
    const dir = fresh()
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
    try {
      writeFileSync(join(dir, 'lock'), String(sleeper.pid))
      const s = fileStorage({ path: dir })
      await expect(s.get('s', 'k')).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
    } finally {
      sleeper.kill('SIGKILL')
    }
  })

  it('rejects a missing path with INVALID_ARGUMENT', () => {
    expect(() => fileStorage({ path: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
