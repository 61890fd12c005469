import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkMsgId, MsgIdGenerator, msgIdAt, msgIdKindOf, msgIdTime, type MsgIdKind } from '../../../sdk/protocol/msg-id.js'

const T = 1_750_000_000_000

describe('msg_id generator (§2.5)', () => {
  it('is unix seconds · 2^32 plus the fraction of the second', () => {
    expect(msgIdAt(T) >> 32n).toBe(BigInt(T / 1000))
    expect(msgIdAt(T + 500)).toBe((BigInt(T / 1000) << 32n) | (1n << 31n))
    expect(Math.abs(msgIdTime(msgIdAt(T + 123)) - (T + 123))).toBeLessThan(1e-3)
  })

  it('is strictly increasing with the role bits of each kind, even when the clock stalls or steps back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -5000, max: 5000 }), fc.constantFrom<MsgIdKind>('client', 'answer', 'push')), { minLength: 1, maxLength: 200 }),
        (steps) => {
          const gen = new MsgIdGenerator()
          let t = T
          let last = 0n
          for (const [dt, kind] of steps) {
            t += dt
            const id = gen.next(t, kind)
            expect(id).toBeGreaterThan(last)
            expect(Number(id & 3n)).toBe({ client: 0, answer: 1, push: 3 }[kind])
            last = id
          }
          expect(gen.last).toBe(last)
        },
      ),
    )
  })

  it('stays within a millisecond of the clock', () => {
    const gen = new MsgIdGenerator()
    for (let i = 0; i < 100; i++) expect(Math.abs(msgIdTime(gen.next(T + i * 10, 'push')) - (T + i * 10))).toBeLessThan(1)
  })

  it('marks relay answers 1 and pushes 3; everything the client sends 0', () => {
    for (const t of ['rpc_result', 'rpc_error', 'pong', 'bad_msg_notification', 'bad_server_salt']) expect(msgIdKindOf('relay', t)).toBe('answer')
    for (const t of ['updates', 'server_salts']) expect(msgIdKindOf('relay', t)).toBe('push')
    expect(msgIdKindOf('client', 'ping')).toBe('client')
  })
})

describe('msg_id checks (§2.4)', () => {
  const at = (ms: number, bits: number) => (msgIdAt(ms) & ~3n) | BigInt(bits)

  it('accepts ids within 300 s behind and 30 s ahead with the sender role bits', () => {
    for (const dt of [0, 29_999, -299_999]) {
      expect(checkMsgId(at(T + dt, 0), T, 'client')).toBeUndefined()
      expect(checkMsgId(at(T + dt, 1), T, 'relay')).toBeUndefined()
      expect(checkMsgId(at(T + dt, 3), T, 'relay')).toBeUndefined()
    }
  })

  it('rejects wrong low bits first: client ≢ 0 mod 4, relay ≢ 1, 3 mod 4', () => {
    for (const bits of [1, 2, 3]) expect(checkMsgId(at(T, bits), T, 'client')).toBe('MSG_ID_BAD_BITS')
    for (const bits of [0, 2]) expect(checkMsgId(at(T, bits), T, 'relay')).toBe('MSG_ID_BAD_BITS')
    expect(checkMsgId(at(T + 3_600_000, 2), T, 'relay')).toBe('MSG_ID_BAD_BITS')
  })

  it('rejects an id more than 30 s ahead (17) and more than 300 s behind (20)', () => {
    expect(checkMsgId(at(T + 30_001, 0), T, 'client')).toBe('MSG_ID_TOO_HIGH')
    expect(checkMsgId(at(T - 300_001, 0), T, 'client')).toBe('MSG_ID_TOO_OLD')
    expect(checkMsgId(at(T - 300_001, 3), T, 'relay')).toBe('MSG_ID_TOO_OLD')
  })
})
