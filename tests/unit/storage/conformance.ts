/**
 * The storage conformance suite (sdk/storage/types.ts): one list of cases, run unchanged on every
 * adapter — memory and file under vitest in Node (conformance.test.ts), IndexedDB bundled into
 * real Chromium (indexeddb.browser.test.ts). Cases use only ./check.ts, never runner globals.
 */
import fc from 'fast-check'
import type { StorageAdapter, StoredValue } from '../../../sdk/storage/types.js'
import { equal, ok, rejects } from '../../helpers/check.js'

/** What a case gets: a fresh, empty adapter, and for persistent adapters a way to reopen it. */
export interface Ctx {
  storage: StorageAdapter
  /** Closes `storage` and opens the same data again; undefined for non-persistent adapters. */
  reopen?: () => Promise<StorageAdapter>
}

export interface Case {
  name: string
  /** Only for adapters whose data outlives close(). */
  persistent?: boolean
  run(ctx: Ctx): Promise<void>
}

const sortCodeUnits = (keys: string[]) => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

const SAMPLES: Record<string, StoredValue> = {
  string: 'héllo 😀 \u0000 end',
  empty: '',
  int: 42,
  negative: -1.5,
  big: Number.MAX_SAFE_INTEGER,
  bool: false,
  null: null,
  bytes: new Uint8Array([0, 1, 2, 254, 255]),
  emptyBytes: new Uint8Array(0),
  nested: { a: [1, 'two', { b: new Uint8Array([9]) }, null], $dollar: 'kept', deep: { deeper: { x: true } } },
  array: [new Uint8Array([1]), [], {}],
}

export const cases: Case[] = [
  {
    name: 'get of a missing key is undefined',
    async run({ storage }) {
      equal(await storage.get('s', 'nope'), undefined, 'missing key')
      equal(await storage.list('never-written'), [], 'list of an unknown store')
    },
  },
  {
    name: 'every value type round-trips',
    async run({ storage }) {
      for (const [k, v] of Object.entries(SAMPLES)) await storage.set('values', k, v)
      for (const [k, v] of Object.entries(SAMPLES)) equal(await storage.get('values', k), v, `value ${k}`)
      const got = (await storage.get<Uint8Array>('values', 'bytes'))!
      ok(got instanceof Uint8Array, 'bytes come back as Uint8Array')
    },
  },
  {
    name: 'values are copied in and out (no aliasing)',
    async run({ storage }) {
      const v = { list: [1, 2], bytes: new Uint8Array([1, 2, 3]) }
      await storage.set('s', 'k', v)
      v.list.push(3)
      v.bytes[0] = 99
      equal(await storage.get('s', 'k'), { list: [1, 2], bytes: new Uint8Array([1, 2, 3]) }, 'after mutating the input')
      const out = (await storage.get<{ list: number[] }>('s', 'k'))!
      out.list.push(4)
      equal(await storage.get('s', 'k'), { list: [1, 2], bytes: new Uint8Array([1, 2, 3]) }, 'after mutating an output')
      const view = new Uint8Array([7, 8, 9, 10]).subarray(1, 3)
      await storage.set('s', 'view', view)
      equal(await storage.get('s', 'view'), new Uint8Array([8, 9]), 'a subarray stores only its view')
    },
  },
  {
    name: 'set overwrites, delete removes, deleting a missing key is a no-op',
    async run({ storage }) {
      await storage.set('s', 'k', 1)
      await storage.set('s', 'k', 2)
      equal(await storage.get('s', 'k'), 2, 'overwritten')
      await storage.delete('s', 'k')
      equal(await storage.get('s', 'k'), undefined, 'deleted')
      await storage.delete('s', 'k')
      await storage.delete('other', 'x')
      equal(await storage.list('s'), [], 'store empty')
    },
  },
  {
    name: 'stores are separate namespaces',
    async run({ storage }) {
      await storage.set('a', 'k', 'in a')
      await storage.set('b', 'k', 'in b')
      equal(await storage.get('a', 'k'), 'in a', 'store a')
      equal(await storage.get('b', 'k'), 'in b', 'store b')
      await storage.delete('a', 'k')
      equal(await storage.get('b', 'k'), 'in b', 'delete in a leaves b')
      equal(await storage.list('ab'), [], 'no prefix bleed between store names')
    },
  },
  {
    name: 'list returns keys in UTF-16 code unit order',
    async run({ storage }) {
      const keys = ['b', 'a', 'aa', 'A', 'é', '😀', '\uffff', 'ｚ', '0010', '0002', '', 'a\u0000', 'a b']
      for (const k of keys) await storage.set('order', k, k)
      const listed = await storage.list('order')
      equal(listed.map((e) => e.key), sortCodeUnits(keys), 'forward order')
      equal(listed.map((e) => e.value), sortCodeUnits(keys), 'values follow their keys')
      equal((await storage.list('order', { reverse: true })).map((e) => e.key), sortCodeUnits(keys).reverse(), 'reverse order')
    },
  },
  {
    name: 'list honours prefix, after, reverse and limit',
    async run({ storage }) {
      const keys = ['m:001', 'm:002', 'm:003', 'm:010', 'n:001', 'l:999', 'm:', 'm']
      await storage.batch(keys.map((key) => ({ op: 'set' as const, store: 'h', key, value: key })))
      const k = async (o: Parameters<StorageAdapter['list']>[1]) => (await storage.list('h', o)).map((e) => e.key)
      equal(await k({ prefix: 'm:' }), ['m:', 'm:001', 'm:002', 'm:003', 'm:010'], 'prefix')
      equal(await k({ prefix: 'm:', after: 'm:002' }), ['m:003', 'm:010'], 'prefix + after')
      equal(await k({ prefix: 'm:', reverse: true, limit: 2 }), ['m:010', 'm:003'], 'prefix + reverse + limit')
      equal(await k({ prefix: 'm:', after: 'm:003', reverse: true }), ['m:', 'm:001', 'm:002'].reverse(), 'reverse + after')
      equal(await k({ after: 'm:010' }), ['n:001'], 'after without prefix')
      equal(await k({ after: 'a', prefix: 'm:00' }), ['m:001', 'm:002', 'm:003'], 'after below the prefix')
      equal(await k({ after: 'z', prefix: 'm:' }), [], 'after above the prefix')
      equal(await k({ limit: 0 }), [], 'limit 0')
      equal(await k({ prefix: 'zz' }), [], 'no match')
      equal(await k({ prefix: 'm:', after: 'm:001', limit: 1 }), ['m:002'], 'cursor paging')
    },
  },
  {
    name: 'batch applies in order and atomically',
    async run({ storage }) {
      await storage.set('s', 'keep', 'old')
      await storage.batch([
        { op: 'set', store: 's', key: 'x', value: 1 },
        { op: 'delete', store: 's', key: 'x' },
        { op: 'delete', store: 's', key: 'y' },
        { op: 'set', store: 's', key: 'y', value: 2 },
        { op: 'set', store: 't', key: 'z', value: 3 },
      ])
      equal(await storage.get('s', 'x'), undefined, 'set then delete')
      equal(await storage.get('s', 'y'), 2, 'delete then set')
      equal(await storage.get('t', 'z'), 3, 'second store')
      const bad = storage.batch([
        { op: 'set', store: 's', key: 'keep', value: 'new' },
        { op: 'set', store: 's', key: 'fn', value: (() => 1) as unknown as StoredValue },
      ])
      await rejects(bad, 'INVALID_ARGUMENT', 'a batch with an unstorable value')
      equal(await storage.get('s', 'keep'), 'old', 'nothing of a rejected batch is applied')
      await storage.batch([])
    },
  },
  {
    name: 'bad arguments reject with INVALID_ARGUMENT',
    async run({ storage }) {
      await rejects(storage.get('', 'k'), 'INVALID_ARGUMENT', 'empty store name')
      await rejects(storage.get('s', 5 as unknown as string), 'INVALID_ARGUMENT', 'numeric key')
      await rejects(storage.set('s', 'k', undefined as unknown as StoredValue), 'INVALID_ARGUMENT', 'undefined value')
      await rejects(storage.set('s', 'k', Number.NaN), 'INVALID_ARGUMENT', 'NaN')
      await rejects(storage.set('s', 'k', new Date() as unknown as StoredValue), 'INVALID_ARGUMENT', 'Date')
      const cyclic: Record<string, StoredValue> = {}
      cyclic.self = cyclic
      await rejects(storage.set('s', 'k', cyclic), 'INVALID_ARGUMENT', 'cycle')
      await rejects(storage.list(undefined as unknown as string), 'INVALID_ARGUMENT', 'list without store')
      equal(await storage.get('s', 'k'), undefined, 'nothing was written')
    },
  },
  {
    name: 'concurrent writes all land',
    async run({ storage }) {
      const n = 100
      await Promise.all(Array.from({ length: n }, (_, i) => storage.set('c', String(i).padStart(3, '0'), i)))
      const listed = await storage.list<number>('c')
      equal(listed.length, n, 'count')
      equal(listed.map((e) => e.value), Array.from({ length: n }, (_, i) => i), 'values in key order')
    },
  },
  {
    name: 'a 1 MiB value round-trips',
    async run({ storage }) {
      const big = new Uint8Array(1 << 20)
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255
      await storage.set('big', 'blob', { data: big })
      equal(await storage.get('big', 'blob'), { data: big }, '1 MiB')
    },
  },
  {
    name: 'clear empties every store',
    async run({ storage }) {
      await storage.set('a', '1', 1)
      await storage.set('b', '2', 2)
      await storage.clear()
      equal(await storage.get('a', '1'), undefined, 'a')
      equal(await storage.list('b'), [], 'b')
      await storage.set('a', '3', 3)
      equal(await storage.get('a', '3'), 3, 'usable after clear')
    },
  },
  {
    name: 'a closed adapter rejects with INVALID_STATE',
    async run({ storage }) {
      await storage.set('s', 'k', 1)
      await storage.close()
      await rejects(storage.get('s', 'k'), 'INVALID_STATE', 'get after close')
      await rejects(storage.set('s', 'k', 2), 'INVALID_STATE', 'set after close')
      await storage.close()
    },
  },
  {
    name: 'random operations match a model (property)',
    async run({ storage }) {
      const key = fc.constantFrom('', 'a', 'ab', 'b', 'b0', 'é', '😀', 'm:1', 'm:2', 'm:10', '\uffff')
      const op = fc.oneof(
        fc.record({ op: fc.constant('set' as const), store: fc.constantFrom('x', 'y'), key, value: fc.integer() }),
        fc.record({ op: fc.constant('delete' as const), store: fc.constantFrom('x', 'y'), key }),
      )
      const opts = fc.record(
        { prefix: fc.constantFrom('', 'a', 'b', 'm:', '😀'), after: key, reverse: fc.boolean(), limit: fc.integer({ min: 0, max: 12 }) },
        { requiredKeys: [] },
      )
      let round = 0
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 6 }), opts, async (batches, o) => {
          const store = `p${round++}`
          const model = new Map<string, number>()
          for (const b of batches) {
            const ops = b.map((x) => ({ ...x, store: `${store}${x.store}` }))
            await storage.batch(ops)
            for (const x of b)
              if (x.store === 'x') {
                if (x.op === 'set') model.set(x.key, x.value)
                else model.delete(x.key)
              }
          }
          let expected = sortCodeUnits([...model.keys()]).filter((k) => !o.prefix || k.startsWith(o.prefix))
          if (o.reverse) expected.reverse()
          if (o.after !== undefined) expected = expected.filter((k) => (o.reverse ? k < o.after! : k > o.after!))
          expected = expected.slice(0, o.limit ?? Infinity)
          const got = await storage.list<number>(`${store}x`, o)
          equal(got.map((e) => e.key), expected, `keys for ${JSON.stringify(o)}`)
          equal(got.map((e) => e.value), expected.map((k) => model.get(k)), 'values')
        }),
        { numRuns: 40, seed: 42 },
      )
    },
  },
  {
    name: 'data survives close and reopen',
    persistent: true,
    async run({ storage, reopen }) {
      for (const [k, v] of Object.entries(SAMPLES)) await storage.set('values', k, v)
      await storage.batch([
        { op: 'set', store: 'o', key: 'b', value: 2 },
        { op: 'set', store: 'o', key: 'a', value: 1 },
        { op: 'delete', store: 'values', key: 'int' },
      ])
      const again = await reopen!()
      for (const [k, v] of Object.entries(SAMPLES)) equal(await again.get('values', k), k === 'int' ? undefined : v, `reopened ${k}`)
      equal(await again.list('o'), [{ key: 'a', value: 1 }, { key: 'b', value: 2 }], 'reopened order')
      await again.clear()
      const third = await reopen!()
      equal(await third.list('o'), [], 'clear persisted')
      await third.close()
    },
  },
]

/** Runs every applicable case on fresh adapters; returns the failures (the browser harness uses it). */
export async function runAll(make: () => Promise<Ctx>, persistent: boolean): Promise<{ name: string; error?: string }[]> {
  const results: { name: string; error?: string }[] = []
  for (const c of cases) {
    if (c.persistent && !persistent) continue
    const ctx = await make()
    try {
      await c.run(ctx)
      results.push({ name: c.name })
    } catch (err) {
      results.push({ name: c.name, error: String((err as Error)?.stack ?? err) })
    }
  }
  return results
}
