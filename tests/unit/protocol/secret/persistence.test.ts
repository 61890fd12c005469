/**
 * toJSON/fromJSON of a secret chat: a reload resumes exactly where the chat was — mid-conversation,
 * mid-re-key, with buffered gaps and unacknowledged envelopes kept for resends.
 */
import { describe, expect, it } from 'vitest'
import { SecretChatSession } from '../../../../sdk/protocol/secret/chat-session.js'
import { DeviceKeys } from '../../../../sdk/protocol/secret/identity.js'
import { toHex } from '../../../../sdk/util/bytes.js'
import { Pair, p, transitions, type Side } from './harness.js'

/** Saves `side` through a JSON string (as storage would) and swaps in the restored session. */
function reload(pair: Pair, side: Side): void {
  const saved = JSON.stringify(pair.session(side).toJSON())
  const restored = SecretChatSession.fromJSON(JSON.parse(saved), { provider: p, now: pair.clock.now })
  // The restored state serializes to exactly what was saved.
  expect(JSON.stringify(restored.toJSON())).toBe(saved)
  if (side === 'a') pair.a = restored
  else pair.b = restored
}

describe('secret chat persistence', () => {
  it('resumes mid-conversation on both sides', () => {
    const pair = new Pair()
    pair.send('a', 'before reload 1')
    pair.settle()
    pair.send('a', 'in flight')
    pair.send('b', 'in flight too')
    reload(pair, 'a')
    reload(pair, 'b')
    pair.send('a', 'after reload')
    pair.settle()
    expect(pair.texts('b')).toEqual(['before reload 1', 'in flight', 'after reload'])
    expect(pair.texts('a')).toEqual(['in flight too'])
  })

  it('resumes while still initiating (init kept and attached)', () => {
    const pair = new Pair()
    reload(pair, 'a')
    expect(pair.a.state).toBe('initiating')
    expect(pair.send('a', 'still initiating').init).toBeDefined()
    pair.settle()
    expect(pair.texts('b')).toEqual(['still initiating'])
  })

  it('resumes with a buffered gap: the buffered messages are delivered once the gap fills', () => {
    const pair = new Pair()
    pair.settle()
    const m1 = pair.send('a', 'one')
    pair.send('a', 'two')
    pair.send('a', 'three')
    pair.inbox.b.shift() // one is late
    pair.drain('b') // two and three are buffered; a resend request goes to A
    expect(pair.of('b', 'buffered')).toHaveLength(2)
    reload(pair, 'b')
    const held = pair.b!.toJSON().buffer.map((b) => b.raw)
    expect(held).toEqual([held[0], held[0] + 1])
    expect(held[0]).toBe(pair.b!.toJSON().seq.in + 1)
    pair.inbox.a.length = 0 // the resend request is lost too; the original arrives late
    pair.deliver('b', m1)
    expect(pair.texts('b')).toEqual(['one', 'two', 'three'])
  })

  it('answers a resend after a reload with the exact bytes sent before it', () => {
    const pair = new Pair()
    pair.settle()
    const m1 = pair.send('a', 'one')
    pair.send('a', 'two')
    pair.inbox.b.shift()
    reload(pair, 'a')
    pair.drain('b') // gap → resend request
    pair.drain('a')
    expect(toHex(pair.inbox.b[0].data)).toBe(toHex(m1.data))
    pair.settle()
    expect(pair.texts('b')).toEqual(['one', 'two'])
  })

  it('resumes mid-re-key on each side and completes the exchange', () => {
    const pair = new Pair()
    pair.settle()
    pair.route('a', pair.a.rekey())
    reload(pair, 'a') // A holds its exchange secret
    pair.drain('b')
    reload(pair, 'b') // B holds the pending key
    expect(pair.b!.state).toBe('rekeying')
    pair.drain('a')
    reload(pair, 'a') // A switched, keeps the previous key
    expect(pair.a.toJSON().keys!.previous).not.toBeNull()
    pair.send('b', 'old key, after reloads')
    pair.settle()
    expect(pair.texts('a')).toEqual(['old key, after reloads'])
    expect(pair.of('a', 'rekeyed')).toHaveLength(1)
    expect(toHex(pair.a.keyFingerprint!)).toBe(toHex(pair.b!.keyFingerprint!))
  })

  it('keeps an aborted chat aborted across a reload, with no keys', () => {
    const pair = new Pair()
    pair.settle()
    pair.a.close()
    reload(pair, 'a')
    expect(pair.a.state).toBe('closed')
    expect(pair.a.toJSON().keys).toBeNull()
  })

  it('refuses a damaged record (SCHEMA_INVALID)', () => {
    const pair = new Pair()
    const json = pair.a.toJSON()
    expect(() => SecretChatSession.fromJSON({ ...json, v: 2 }, { provider: p })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    expect(() => SecretChatSession.fromJSON({ ...json, extra: 1 }, { provider: p })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    const cut = { ...json, keys: { ...json.keys!, current: { ...json.keys!.current, key: json.keys!.current.key.slice(0, 40) } } }
    expect(() => SecretChatSession.fromJSON(cut, { provider: p })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    expect(() => SecretChatSession.fromJSON(null, { provider: p })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
  })

  it('device keys survive a reload, minus the one-time prekey a chat consumed', () => {
    const pair = new Pair()
    pair.settle()
    const restored = DeviceKeys.fromJSON(JSON.parse(JSON.stringify(pair.bKeys.toJSON())))
    expect(restored.oneTimePrekeyIds).toEqual(pair.bKeys.oneTimePrekeyIds)
    expect(restored.oneTimePrekeyIds).toHaveLength(2)
    expect(toHex(restored.identityKey)).toBe(toHex(pair.bKeys.identityKey))
    expect(restored.publicBundle('dev-b')).toEqual(pair.bKeys.publicBundle('dev-b'))
    expect(transitions(pair.log.b)[0]).toBe('null→active:created')
  })
})
