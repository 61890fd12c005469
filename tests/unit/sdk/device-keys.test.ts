// The client's KeyManager (sdk/keys/device.ts) on memory storage, with the relay's key endpoint
// recorded: the bundle goes out once per device; a restart with it published and no prekeys
// running low reads neither the keys nor their code; a week later the signed prekey rotates and is
// published; a mark written before the rotation time was recorded is upgraded once.
import { describe, expect, it } from 'vitest'
import { clientCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import type { HttpApi } from '../../../sdk/client/http.js'
import { S } from '../../../sdk/client/stores.js'
import { KeyManager, PREKEY_TARGET, SIGNED_PREKEY_MAX_AGE } from '../../../sdk/keys/device.js'
import { memoryStorage } from '../../../sdk/storage/memory.js'
import type { StorageAdapter } from '../../../sdk/storage/types.js'

interface Put {
  identity_key?: unknown
  signed_prekey?: { id: number }
  one_time_prekeys?: unknown[]
}

function setup() {
  const storage = memoryStorage()
  const puts: Put[] = []
  const keyReads: string[] = []
  const http = { request: async (_m: string, _p: string, o: { body?: unknown } = {}) => void puts.push(o.body as Put) } as unknown as HttpApi
  /** The storage, with every read of the device keys recorded. */
  const watched: StorageAdapter = new Proxy(storage, {
    get(target, prop, receiver) {
      if (prop === 'get')
        return (store: string, key: string) => {
          if (store === S.meta && key === 'keys') keyReads.push(key)
          return target.get(store, key)
        }
      const value = Reflect.get(target, prop, receiver) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  let t = Date.UTC(2026, 11, 7)
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) }
  const manager = () => new KeyManager(clientCryptoOf(nodeProvider), watched, http, clock.now)
  return { storage, puts, keyReads, clock, manager }
}

describe('KeyManager.publish', () => {
  it('publishes once, then restarts without touching the keys until a week has passed', async () => {
    const s = setup()
    await s.manager().publish('dev-1', false)
    expect(s.puts).toHaveLength(1)
    expect(s.puts[0].one_time_prekeys).toHaveLength(PREKEY_TARGET)
    const firstPrekey = s.puts[0].signed_prekey!.id

    s.keyReads.length = 0
    await s.manager().publish('dev-1', false) // a restart: same storage, new manager
    expect(s.puts).toHaveLength(1)
    expect(s.keyReads).toEqual([])

    s.clock.advance(SIGNED_PREKEY_MAX_AGE + 1)
    await s.manager().publish('dev-1', false)
    expect(s.puts).toHaveLength(2)
    expect(s.puts[1].signed_prekey!.id).not.toBe(firstPrekey)
    expect(s.keyReads).toEqual(['keys'])
  })

  it('reads the keys when the relay runs low or the device id changed', async () => {
    const s = setup()
    await s.manager().publish('dev-1', false)
    s.keyReads.length = 0
    await s.manager().publish('dev-1', true, 3)
    expect(s.puts).toHaveLength(2)
    expect(s.puts[1].one_time_prekeys).toHaveLength(PREKEY_TARGET - 3)
    await s.manager().publish('dev-2', false)
    expect(s.puts).toHaveLength(3)
    expect(s.puts[2].signed_prekey).toBeDefined()
    expect(s.keyReads).toEqual(['keys', 'keys'])
  })

  it('keys made anew (the stored ones lost) drop the mark, so the next publish is a full one', async () => {
    const s = setup()
    await s.manager().publish('dev-1', false)
    await s.storage.delete(S.meta, 'keys')
    const m = s.manager()
    await m.publish('dev-1', false) // the mark still says published: nothing loaded, nothing sent
    expect(s.puts).toHaveLength(1)
    await m.keys() // a secret chat needs them: new keys
    expect(await s.storage.get(S.meta, 'published')).toBeUndefined()
    await s.manager().publish('dev-1', false)
    expect(s.puts).toHaveLength(2)
    expect(s.puts[1].one_time_prekeys).toHaveLength(PREKEY_TARGET)
    expect(s.puts[1].identity_key).toBeDefined()
    expect(s.puts[1].identity_key).not.toEqual(s.puts[0].identity_key) // the new keys, published
  })

  it('upgrades a mark without the signed prekey time once, without publishing', async () => {
    const s = setup()
    await s.manager().publish('dev-1', false)
    const mark = (await s.storage.get<{ deviceId: string; signedPrekeyId: number; signedPrekeyAt?: number }>(S.meta, 'published'))!
    const { signedPrekeyAt, ...old } = mark
    expect(signedPrekeyAt).toBeTypeOf('number')
    await s.storage.set(S.meta, 'published', old)

    s.keyReads.length = 0
    await s.manager().publish('dev-1', false)
    expect(s.keyReads).toEqual(['keys'])
    expect(s.puts).toHaveLength(1)
    expect(await s.storage.get(S.meta, 'published')).toEqual(mark)
    await s.manager().publish('dev-1', false)
    expect(s.keyReads).toEqual(['keys'])
  })
})
