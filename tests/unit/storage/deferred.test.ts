// deferredStorage (sdk/storage/deferred.ts, behind memoryStorage()): opens its adapter once, on the
// first call, forwards every call to that one instance, and tries again after a failed open.
import { describe, expect, it } from 'vitest'
import { openMemoryStorage } from '../../../sdk/storage/memory-adapter.js'
import { deferredStorage } from '../../../sdk/storage/deferred.js'

describe('deferredStorage', () => {
  it('opens nothing until used, then one adapter for every call', async () => {
    let opens = 0
    const s = deferredStorage('memory', async () => (opens++, openMemoryStorage()))
    expect(s.name).toBe('memory')
    expect(opens).toBe(0)
    await Promise.all([s.set('a', 'k1', 1), s.set('a', 'k2', 2)])
    await s.batch([{ op: 'delete', store: 'a', key: 'k1' }])
    expect(await s.list('a')).toEqual([{ key: 'k2', value: 2 }])
    expect(await s.get('a', 'k2')).toBe(2)
    await s.delete('a', 'k2')
    await s.set('b', 'x', 'y')
    await s.clear()
    expect(await s.get('b', 'x')).toBeUndefined()
    await s.close()
    await expect(s.get('b', 'x')).rejects.toMatchObject({ code: 'INVALID_STATE' })
    expect(opens).toBe(1)
  })

  it('tries to open again after a failed open', async () => {
    let attempt = 0
    const s = deferredStorage('memory', async () => {
      if (attempt++ === 0) throw new Error('chunk did not load')
      return openMemoryStorage()
    })
    await expect(s.get('a', 'k')).rejects.toThrow('chunk did not load')
    await s.set('a', 'k', 'v')
    expect(await s.get('a', 'k')).toBe('v')
    expect(attempt).toBe(2)
  })
})
