/**
 * Property (docs/PROTOCOL.md §4.4): whatever the network does to a stream of secret messages —
 * reorder, duplicate, drop, interleaved with re-keys — the resend loop ends either in correct
 * in-order, exactly-once delivery on both sides or in the specified abort, and at no point is a
 * message accepted out of order or twice.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SecretChatSession } from '../../../../sdk/protocol/secret/chat-session.js'
import type { SecretEnvelope } from '../../../../sdk/protocol/secret/outcomes.js'
import { Pair, type Side } from './harness.js'

type Op =
  | { kind: 'send'; side: Side }
  | { kind: 'deliver' | 'duplicate' | 'drop'; to: Side; pick: number }
  | { kind: 'maintain'; side: Side }
  | { kind: 'rekey'; side: Side }
  | { kind: 'reload'; side: Side }

const side = fc.constantFrom<Side>('a', 'b')
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), side }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('deliver' as const), to: side, pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), to: side, pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), to: side, pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('maintain' as const), side }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rekey' as const), side }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), side }) },
)

/** Codes an honest run may end in: only the resend store bound (set small here) can stop a chat. */
const SPECIFIED_ABORTS = new Set(['SECRET_RESEND_UNAVAILABLE'])

function run(ops: Op[], maxStored: number, maxBuffered: number): void {
  const pair = new Pair({ maxStored, maxBuffered })
  const sent: Record<Side, string[]> = { a: [], b: [] }
  const peer = (s: Side): Side => (s === 'a' ? 'b' : 'a')
  const live = (s: Side): SecretChatSession | undefined => {
    const sess = s === 'a' ? pair.a : pair.b
    return sess && sess.state !== 'aborted' ? sess : undefined
  }
  /** Never a wrong order, never twice: what a side got is always a prefix of what the other sent. */
  const checkPrefix = () => {
    for (const s of ['a', 'b'] as const) expect(sent[peer(s)].slice(0, pair.texts(s).length)).toEqual(pair.texts(s))
  }
  const deliver = (to: Side, env: SecretEnvelope) => {
    if (to === 'b' && !pair.b && !env.init) return // B cannot exist before an init reaches it
    if ((to === 'a' || pair.b) && !live(to)) return
    pair.deliver(to, env)
    checkPrefix()
  }

  for (const o of ops) {
    const s = 'side' in o ? o.side : o.to
    const sess = live(s)
    switch (o.kind) {
      case 'send':
        if (sess && (sess.state === 'active' || sess.state === 'rekeying' || sess.state === 'initiating')) {
          const text = `${s}${sent[s].length}`
          sent[s].push(text)
          pair.send(s, text)
        }
        break
      case 'deliver':
      case 'duplicate':
      case 'drop': {
        const box = pair.inbox[o.to]
        if (!box.length) break
        const i = o.pick % box.length
        const env = box[i]
        if (o.kind !== 'duplicate') box.splice(i, 1)
        if (o.kind !== 'drop') deliver(o.to, env)
        break
      }
      case 'maintain':
        if (sess) pair.route(s, sess.maintain())
        break
      case 'rekey':
        if (sess?.state === 'active') pair.route(s, sess.rekey())
        break
      case 'reload':
        if (sess) pair.reload(s)
        break
    }
  }

  // Recovery: the network is reliable again. Each side re-sends what the peer has not
  // acknowledged (exact bytes, as after a reconnect), then deliveries and maintain() run until quiet.
  for (const s of ['a', 'b'] as const) {
    const sess = live(s)
    if (sess) pair.inbox[peer(s)].push(...sess.pendingEnvelopes())
  }
  for (let round = 0; round < 40; round++) {
    for (const s of ['b', 'a'] as const) while (pair.inbox[s].length) deliver(s, pair.inbox[s].shift()!)
    for (const s of ['a', 'b'] as const) {
      const sess = live(s)
      if (sess) pair.route(s, sess.maintain())
    }
    if (!pair.inbox.a.length && !pair.inbox.b.length) break
  }

  const aborted = (['a', 'b'] as const).flatMap((s) =>
    pair.log[s].flatMap((x) => (x.type === 'state' && x.transition.to === 'aborted' ? [x.transition.code] : [])),
  )
  if (aborted.length) {
    for (const code of aborted) expect(SPECIFIED_ABORTS.has(code)).toBe(true)
    return
  }
  if (!pair.b) {
    // Nothing from A ever reached B: nothing may have been delivered anywhere.
    expect(pair.texts('a')).toEqual([])
    return
  }
  expect(pair.texts('b')).toEqual(sent.a)
  expect(pair.texts('a')).toEqual(sent.b)
  expect(pair.a.keyFingerprint).toEqual(pair.b.keyFingerprint)
}

describe('secret chat delivery under reorder, duplication and loss (property)', () => {
  it('ends in exactly-once in-order delivery (resend loop running)', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), (ops) => run(ops, 1000, 256)),
      { numRuns: 100 },
    )
  })

  it('with tiny bounds: either delivers everything or aborts with the specified code', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 80 }), (ops) => run(ops, 4, 3)),
      { numRuns: 100 },
    )
  })
})
