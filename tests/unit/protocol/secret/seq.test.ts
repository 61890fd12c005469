/** Sequence numbers of docs/PROTOCOL.md §4.4: the 2·raw + x parity rules, positions and ranges. */
import { describe, expect, it } from 'vitest'
import { SeqTracker } from '../../../../sdk/protocol/secret/seq.js'

describe('SeqTracker (§4.4)', () => {
  it('numbers outgoing messages 2·raw + x: initiator out odd / in even, responder the reverse', () => {
    const i = new SeqTracker('initiator')
    const r = new SeqTracker('responder')
    expect([i.next(), i.next()].map((s) => [s.out_seq_no, s.in_seq_no])).toEqual([
      [1, 0],
      [3, 0],
    ])
    expect([r.next(), r.next()].map((s) => [s.out_seq_no, s.in_seq_no])).toEqual([
      [0, 1],
      [2, 1],
    ])
    // The responder accepts the initiator's messages: parities match the sender's side.
    expect(r.receive(1, 0)).toEqual({ rawOut: 0, rawIn: 0 })
    r.accept()
    expect(r.next().in_seq_no).toBe(3)
  })

  it('aborts on the wrong side’s parity, in either field (SECRET_BAD_PARITY)', () => {
    const r = new SeqTracker('responder')
    r.next()
    expect(() => r.receive(2, 0)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PARITY' })) // out even: the responder's own
    expect(() => r.receive(1, 1)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PARITY' })) // in odd
    const i = new SeqTracker('initiator')
    expect(() => i.receive(1, 0)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PARITY' })) // its own parity reflected
  })

  it('aborts when in_seq_no acknowledges messages never sent (SECRET_BAD_PARITY)', () => {
    const r = new SeqTracker('responder')
    r.next()
    r.next()
    expect(r.receive(1, 4).rawIn).toBe(2)
    expect(() => r.receive(3, 6)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PARITY' }))
  })

  it('keeps the highest acknowledgement when older messages arrive later', () => {
    const r = new SeqTracker('responder')
    for (let k = 0; k < 5; k++) r.next()
    r.receive(5, 8)
    r.receive(1, 2)
    expect(r.peerAcked).toBe(4)
  })

  it('classifies positions and delivers held messages in order once the gap fills', () => {
    const r = new SeqTracker<string>('responder', undefined, 4)
    expect(r.position(0)).toBe('next')
    expect(r.position(3)).toBe('ahead')
    expect(r.position(4)).toBe('overflow')
    r.receive(5, 0)
    r.hold(2, 'm2')
    r.receive(7, 0)
    r.hold(3, 'm3')
    expect(r.position(2)).toBe('duplicate')
    expect(r.missing()).toEqual({ start: 1, end: 3 }) // raw 0..1 as the initiator's odd out_seq_no
    expect(r.takeNext()).toBeUndefined()
    r.accept() // raw 0 arrives
    expect(r.takeNext()).toBeUndefined()
    r.accept() // raw 1 arrives
    expect(r.takeNext()).toBe('m2')
    r.accept()
    expect(r.takeNext()).toBe('m3')
    r.accept()
    expect(r.missing()).toBeUndefined()
    expect(r.position(1)).toBe('duplicate')
    expect(() => r.hold(1, 'x')).toThrow(RangeError)
  })

  it('asks only within the buffer bound and skips held messages at the end of the range', () => {
    const r = new SeqTracker<string>('initiator', undefined, 3)
    r.receive(2 * 10, 1) // far ahead: seen, not held
    expect(r.missing()).toEqual({ start: 0, end: 4 }) // raw 0..2 as even out_seq_no
  })

  it('maps a peer’s resend range to our raw numbers, refusing wrong parity or unsent messages', () => {
    const i = new SeqTracker('initiator')
    for (let k = 0; k < 4; k++) i.next()
    expect(i.resendRange(3, 7)).toEqual({ from: 1, to: 3 })
    expect(() => i.resendRange(2, 6)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PARITY' }))
    expect(() => i.resendRange(1, 9)).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PARITY' }))
  })
})
