import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Kind } from '../../../sdk/protocol/schemas/registry.js'
import { SeqNoCounter, SeqNoExpectation } from '../../../sdk/protocol/seq-no.js'

describe('seq_no (§2.5)', () => {
  it('is 2n+1 for content and 2n for service, n = content messages sent before', () => {
    const out = new SeqNoCounter()
    expect([out.next('service'), out.next('content'), out.next('service'), out.next('content'), out.next('content'), out.next('service')]).toEqual([
      0, 1, 2, 3, 5, 6,
    ])
    expect(out.contentCount).toBe(3)
  })

  it('the receiver accepts exactly what an honest sender produces (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Kind>('content', 'service'), { maxLength: 100 }), (kinds) => {
        const out = new SeqNoCounter()
        const inc = new SeqNoExpectation()
        for (const k of kinds) {
          const s = out.next(k)
          expect(inc.check(s, k)).toBeUndefined()
          inc.accept(k)
        }
        expect(inc.contentCount).toBe(out.contentCount)
      }),
    )
  })

  it('checks parity first: 35 for an even content seq_no, 34 for an odd service seq_no', () => {
    const inc = new SeqNoExpectation()
    expect(inc.check(0, 'content')).toBe('SEQ_NO_EXPECTED_ODD')
    expect(inc.check(1, 'service')).toBe('SEQ_NO_EXPECTED_EVEN')
    expect(inc.check(100, 'content')).toBe('SEQ_NO_EXPECTED_ODD')
  })

  it('then the exact value: 32 below, 33 above what it expects', () => {
    const inc = new SeqNoExpectation()
    inc.accept('content')
    inc.accept('content') // expects content 5, service 4
    expect(inc.expected('content')).toBe(5)
    expect(inc.check(3, 'content')).toBe('SEQ_NO_TOO_LOW')
    expect(inc.check(7, 'content')).toBe('SEQ_NO_TOO_HIGH')
    expect(inc.check(2, 'service')).toBe('SEQ_NO_TOO_LOW')
    expect(inc.check(6, 'service')).toBe('SEQ_NO_TOO_HIGH')
    expect(inc.check(5, 'content')).toBeUndefined()
    expect(inc.check(4, 'service')).toBeUndefined()
  })

  it('service messages do not advance the expectation', () => {
    const inc = new SeqNoExpectation()
    inc.accept('service')
    inc.accept('service')
    expect(inc.expected('content')).toBe(1)
  })
})
