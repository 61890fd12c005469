import { describe, expect, it } from 'vitest'
import { ClientSalts, RelaySaltSchedule, SALT_GRACE_MS, SALT_PERIOD_MS } from '../../../sdk/protocol/salts.js'

const T = 1_750_000_000_000
const P = SALT_PERIOD_MS
const G = SALT_GRACE_MS
const first = new Uint8Array(8).fill(0xf1)

function schedule() {
  let n = 0
  const drawn: Uint8Array[] = []
  const random = (len: number) => {
    const s = new Uint8Array(len).fill(++n)
    drawn.push(s)
    return s
  }
  return { s: new RelaySaltSchedule({ first, now: T, random }), drawn }
}

describe('relay salt schedule (§2.6)', () => {
  it('starts with the handshake salt current and one random salt next, and announces both once', () => {
    const { s, drawn } = schedule()
    expect(s.current(T)).toEqual(first)
    const a = s.takeAnnouncement(T)
    expect(a).toEqual({
      _: 'server_salts',
      salts: [
        { salt: first, valid_since: T, valid_until: T + P },
        { salt: drawn[0], valid_since: T + P, valid_until: T + 2 * P },
      ],
    })
    expect(s.takeAnnouncement(T + 1000)).toBeUndefined()
  })

  it('rotates every 30 minutes, keeping one salt ahead, and announces each rotation', () => {
    const { s, drawn } = schedule()
    s.takeAnnouncement(T)
    expect(s.current(T + P)).toEqual(drawn[0])
    const a = s.takeAnnouncement(T + P)
    expect(a?.salts.map((x) => x.salt)).toEqual([first, drawn[0], drawn[1]])
    expect(s.takeAnnouncement(T + P + 1)).toBeUndefined()
    expect(s.current(T + 2 * P + 1)).toEqual(drawn[1])
  })

  it('accepts a salt from 30 s before valid_since to 30 s after valid_until, nothing else', () => {
    const { s, drawn } = schedule()
    expect(s.isValid(first, T)).toBe(true)
    expect(s.isValid(drawn[0], T + P - G)).toBe(true)
    expect(s.isValid(drawn[0], T + P - G - 1)).toBe(false)
    expect(s.isValid(first, T + P + G)).toBe(true)
    expect(s.isValid(first, T + P + G + 1)).toBe(false)
    expect(s.isValid(new Uint8Array(8), T)).toBe(false)
  })

  it('restarts at the current time after a long idle instead of minting every missed salt', () => {
    const { s, drawn } = schedule()
    const later = T + 50 * P
    s.current(later)
    expect(drawn.length).toBeLessThanOrEqual(3)
    expect(s.isValid(s.current(later), later)).toBe(true)
    expect(s.list(later).length).toBe(2)
    expect(s.isValid(first, later)).toBe(false)
  })
})

describe('client salts', () => {
  it('use the handshake salt until told otherwise', () => {
    expect(new ClientSalts(first).current(T)).toEqual(first)
  })

  it('use the newest announced salt valid now, or the nearest one when the clocks differ', () => {
    const c = new ClientSalts(first)
    const a = new Uint8Array(8).fill(1)
    const b = new Uint8Array(8).fill(2)
    c.update([
      { salt: a, valid_since: T, valid_until: T + P },
      { salt: b, valid_since: T + P, valid_until: T + 2 * P },
    ])
    expect(c.current(T + 10)).toEqual(a)
    expect(c.current(T + P)).toEqual(b)
    expect(c.current(T - 5)).toEqual(a)
    expect(c.current(T + 3 * P)).toEqual(b)
  })

  it('adopt the salt of bad_server_salt over every announcement', () => {
    const c = new ClientSalts(first)
    c.update([{ salt: new Uint8Array(8).fill(1), valid_since: T, valid_until: T + P }])
    const fresh = new Uint8Array(8).fill(9)
    c.adopt(fresh)
    expect(c.current(T + 10)).toEqual(fresh)
  })
})
