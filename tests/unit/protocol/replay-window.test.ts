import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { msgIdAt } from '../../../sdk/protocol/msg-id.js'
import { ReplayWindow } from '../../../sdk/protocol/replay-window.js'

const T = 1_750_000_000_000
const id = (ms: number) => msgIdAt(ms) & ~3n

describe('replay window', () => {
  it('accepts only ids greater than the last accepted one', () => {
    const w = new ReplayWindow()
    expect(w.check(id(T))).toBeUndefined()
    w.accept(id(T))
    expect(w.check(id(T + 1))).toBeUndefined()
    w.accept(id(T + 1))
    expect(w.last).toBe(id(T + 1))
    expect(w.check(id(T + 1))).toBe('duplicate')
    expect(w.check(id(T))).toBe('duplicate')
  })

  it('tells an old frame never accepted (reordered) from a repeat of an accepted one (duplicate)', () => {
    const w = new ReplayWindow()
    w.accept(id(T))
    w.accept(id(T + 10))
    expect(w.check(id(T + 5))).toBe('reordered')
    expect(w.check(id(T))).toBe('duplicate')
  })

  it('refuses to record an id out of order', () => {
    const w = new ReplayWindow()
    w.accept(id(T + 10))
    expect(() => w.accept(id(T))).toThrow(RangeError)
  })

  it('keeps the seen set bounded by count and by the 300 s window', () => {
    const w = new ReplayWindow({ maxSeen: 16 })
    for (let i = 0; i < 100; i++) w.accept(id(T + i))
    expect(w.size).toBe(16)
    expect(w.check(id(T + 99))).toBe('duplicate')
    expect(w.check(id(T + 1))).toBe('reordered') // forgotten, still refused by order

    const t = new ReplayWindow()
    t.accept(id(T))
    t.accept(id(T + 100_000))
    t.accept(id(T + 301_000))
    expect(t.size).toBe(2)
    expect(t.check(id(T))).toBe('reordered')
  })

  it('never accepts any id twice, whatever the arrival order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (offsets) => {
        const w = new ReplayWindow({ maxSeen: 8 })
        const accepted: bigint[] = []
        for (const o of offsets) {
          const m = id(T + o * 1000)
          if (w.check(m) === undefined) {
            w.accept(m)
            accepted.push(m)
          }
        }
        expect(new Set(accepted).size).toBe(accepted.length)
        for (let i = 1; i < accepted.length; i++) expect(accepted[i]).toBeGreaterThan(accepted[i - 1])
      }),
    )
  })
})
