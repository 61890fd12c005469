// Update sync (docs/PROTOCOL.md §3.1) on the fake relay: getDifference pages until `more` is
// false, pushes arriving meanwhile wait and are applied after it, each pts once and in order, the
// pts persisted; a broken update is reported and skipped, not retried forever.
import { afterEach, describe, expect, it } from 'vitest'
import { clientCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { MtChatError } from '../../../sdk/errors.js'
import type { Update } from '../../../sdk/protocol/schemas/updates.js'
import { Sync } from '../../../sdk/client/sync.js'
import { memoryStorage } from '../../../sdk/storage/memory.js'
import { Connection } from '../../../sdk/transport/connection.js'
import { FakeRelay } from './fake-relay.js'

const open: Connection[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.stop()
})

const del = (pts: number): Update => ({ _: 'update.deleted', pts, peer: 2, ids: [pts], everyone: false })

function setup(relay: FakeRelay, onUpdate: (u: Update) => void | Promise<void> = () => {}) {
  const storage = memoryStorage()
  const errors: MtChatError[] = []
  let sync!: Sync
  const conn = new Connection({
    url: 'http://relay.test',
    serverKey: relay.publicKey,
    provider: clientCryptoOf(nobleProvider),
    transports: [relay.transport()],
    token: 't',
    onUpdates: (b) => sync.onPush(b.updates, b.pts),
  })
  open.push(conn)
  sync = new Sync(storage, conn, async (u) => onUpdate(u), (e) => errors.push(e))
  return { storage, conn, sync, errors }
}

describe('Sync', () => {
  it('pages the difference, holds pushes until it is done, applies each pts once in order', async () => {
    const relay = new FakeRelay()
    const asked: number[] = []
    relay.handlers['updates.getDifference'] = (p) => {
      asked.push(p.pts as number)
      if (p.pts === 0) {
        relay.push([del(5), del(6)], 6) // arrives before this answer
        return { updates: [del(1), del(2), del(3)], pts: 3, more: true }
      }
      return { updates: [del(4), del(5)], pts: 5, more: false }
    }
    const applied: number[] = []
    const { conn, sync, storage } = setup(relay, (u) => void applied.push((u as { pts: number }).pts))
    await conn.whenOnline()
    await sync.difference()
    await new Promise((r) => setTimeout(r, 20))
    expect(asked).toEqual([0, 3])
    expect(applied).toEqual([1, 2, 3, 4, 5, 6])
    expect(await storage.get('meta', 'pts')).toBe(6)
    expect(sync.pts).toBe(6)
  })

  it('applies pushes at once when not syncing, and ephemeral updates even while syncing', async () => {
    const relay = new FakeRelay()
    let release!: () => void
    relay.handlers['updates.getDifference'] = () => new Promise((r) => (release = () => r({ updates: [], pts: 0, more: false })))
    const applied: string[] = []
    const { conn, sync } = setup(relay, (u) => void applied.push(u._))
    await conn.whenOnline()
    const diff = sync.difference()
    await new Promise((r) => setTimeout(r, 20))
    relay.push([{ _: 'update.typing', peer: 2 }, del(1)], 1)
    await new Promise((r) => setTimeout(r, 20))
    expect(applied).toEqual(['update.typing']) // the stored one waits for the difference
    release()
    await diff
    await new Promise((r) => setTimeout(r, 20))
    expect(applied).toEqual(['update.typing', 'update.deleted'])
    relay.push([del(2)], 2)
    await new Promise((r) => setTimeout(r, 20))
    expect(applied).toEqual(['update.typing', 'update.deleted', 'update.deleted'])
  })

  it('reports an update its handler rejects and moves past it', async () => {
    const relay = new FakeRelay()
    relay.handlers['updates.getDifference'] = () => ({ updates: [del(1), del(2), del(3)], pts: 3, more: false })
    const applied: number[] = []
    const { conn, sync, storage, errors } = setup(relay, (u) => {
      const pts = (u as { pts: number }).pts
      if (pts === 2) throw new MtChatError('SECRET_BAD_ENVELOPE', 'broken')
      applied.push(pts)
    })
    await conn.whenOnline()
    await sync.difference()
    expect(applied).toEqual([1, 3])
    expect(errors.map((e) => e.code)).toEqual(['SECRET_BAD_ENVELOPE'])
    expect(await storage.get('meta', 'pts')).toBe(3)
  })
})
