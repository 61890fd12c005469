// Closing a client in the middle of its work: what was running finishes or stops, and nothing
// it scheduled touches its (closed) storage afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStorage, type Message, type StorageAdapter } from '../../../sdk/index.node.js'
import { collect, harness, until, type Harness } from './harness.js'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(async () => {
  await h?.close()
})

/** Memory storage whose secret-chat writes can be held, noting every use after its close(). */
function watchedStorage() {
  const inner = memoryStorage()
  const w = { hold: false, held: undefined as (() => void) | undefined, closed: false, usedAfterClose: [] as string[] }
  const note = (what: string) => w.closed && w.usedAfterClose.push(what)
  const storage: StorageAdapter = {
    name: 'watched',
    get: (s, k) => (note(`get ${s}`), inner.get(s, k)),
    list: (s, o) => (note(`list ${s}`), inner.list(s, o)),
    set: (s, k, v) => storage.batch([{ op: 'set', store: s, key: k, value: v }]),
    delete: (s, k) => storage.batch([{ op: 'delete', store: s, key: k }]),
    batch: async (ops) => {
      note('batch')
      if (w.hold && ops.some((o) => o.store === 'secret')) await new Promise<void>((r) => (w.held = r))
      return inner.batch(ops)
    },
    clear: () => inner.clear(),
    close: () => ((w.closed = true), inner.close()),
  }
  return { storage, w }
}

describe('closing a client', () => {
  it('while a secret envelope is being stored leaves no timer behind that uses the storage', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const { storage, w } = watchedStorage()
    const a = h.client(ua)
    const b = h.client(ub, { storage })
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    const chat = a.secretChat(ub.id)
    await chat.send('one')
    await until(() => inbox.length === 1, 10_000, 'one')
    w.hold = true
    await chat.send('two')
    await until(() => w.held !== undefined, 10_000, 'b storing the envelope')
    const closing = b.close()
    w.hold = false
    w.held!()
    await closing
    // The secret runtime runs its upkeep 1 s after an envelope: long enough for it to have fired.
    await new Promise((r) => setTimeout(r, 1500))
    expect(w.usedAfterClose).toEqual([])
  })
})
