/**
 * Re-keying inside a chat (docs/PROTOCOL.md §4.6): triggers, messages in flight across the switch,
 * the conflict rule, zeroization of the old key, and the binding that stops an unknown key-share.
 */
import { describe, expect, it } from 'vitest'
import { SecretChatSession } from '../../../../sdk/protocol/secret/chat-session.js'
import { openEnvelope } from '../../../../sdk/protocol/secret/envelope.js'
import { decodePayload } from '../../../../sdk/protocol/secret/payload.js'
import { REKEY_AFTER_MS, deriveRekey } from '../../../../sdk/protocol/secret/rekey.js'
import { fromBase64, toBase64, toHex } from '../../../../sdk/util/bytes.js'
import { Pair, droppedCodes, forge, p, transitions } from './harness.js'

const hex = (b: Uint8Array | undefined) => (b ? toHex(b) : '')

function ready(opts: ConstructorParameters<typeof Pair>[0] = {}) {
  const pair = new Pair(opts)
  pair.settle()
  return pair
}

describe('re-keying: triggers', () => {
  it('re-keys after 100 messages under a key, on both sides, and zeroizes the old key afterwards', () => {
    const pair = ready()
    const oldA = pair.a.toJSON().keys!.current.key
    const oldB = pair.b!.toJSON().keys!.current.key
    expect(oldA).toBe(oldB)
    const sent: string[] = []
    for (let i = 0; i < 70; i++) {
      sent.push(`m${i}`)
      pair.send('a', `a${i}`)
      pair.send('b', `b${i}`)
      // Deliver in batches so exchanges overlap with traffic in both directions.
      if (i % 7 === 6) {
        pair.drain('b')
        pair.drain('a')
      }
    }
    pair.settle()
    expect(pair.texts('b')).toEqual(sent.map((_, i) => `a${i}`))
    expect(pair.texts('a')).toEqual(sent.map((_, i) => `b${i}`))
    const started = [...pair.log.a, ...pair.log.b].filter((o) => o.type === 'state' && o.transition.code === 'rekey_started')
    expect(started.length).toBeGreaterThanOrEqual(1)
    expect(started[0].type === 'state' && started[0].transition.reason).toMatch(/^\d+ messages under the current key$/)
    expect(pair.of('a', 'rekeyed').length).toBeGreaterThanOrEqual(1)
    expect(pair.of('b', 'rekeyed').length).toBe(pair.of('a', 'rekeyed').length)
    expect(hex(pair.a.keyFingerprint)).toBe(hex(pair.b!.keyFingerprint))
    // The old key is gone from both persisted states (zeroized, not merely unused).
    expect(JSON.stringify(pair.a.toJSON())).not.toContain(oldA)
    expect(JSON.stringify(pair.b!.toJSON())).not.toContain(oldB)
    expect(pair.of('a', 'keyRetired').length).toBeGreaterThanOrEqual(1)
    expect(pair.of('b', 'keyRetired').length).toBeGreaterThanOrEqual(1)
  })

  it('does not re-key before 100 messages', () => {
    const pair = ready()
    for (let i = 0; i < 40; i++) pair.send('a', `a${i}`)
    pair.settle()
    expect([...pair.log.a, ...pair.log.b].filter((o) => o.type === 'state' && o.transition.code === 'rekey_started')).toEqual([])
  })

  it('re-keys after 7 days by the injected clock, not before', () => {
    const pair = ready()
    const before = hex(pair.a.keyFingerprint)
    pair.clock.advance(REKEY_AFTER_MS - 1)
    expect(pair.a.maintain().filter((o) => o.type === 'send')).toEqual([])
    pair.clock.advance(1)
    const out = pair.route('a', pair.a.maintain())
    expect(transitions(out)).toEqual(['active→rekeying:rekey_started'])
    expect(out.find((o) => o.type === 'state')?.type === 'state' && (out.find((o) => o.type === 'state') as { transition: { reason: string } }).transition.reason).toBe(
      'the current key is 7 days old',
    )
    pair.settle()
    expect(hex(pair.a.keyFingerprint)).not.toBe(before)
    expect(hex(pair.a.keyFingerprint)).toBe(hex(pair.b!.keyFingerprint))
    expect(pair.a.state).toBe('active')
    expect(pair.b!.state).toBe('active')
  })

  it('re-keys on demand, and refuses a second request while one runs (INVALID_STATE)', () => {
    const pair = ready()
    expect(transitions(pair.route('a', pair.a.rekey()))).toEqual(['active→rekeying:rekey_started'])
    expect(() => pair.a.rekey()).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
    pair.settle()
    expect(pair.of('a', 'rekeyed')).toHaveLength(1)
  })

  it('refuses to re-key before the peer has answered (INVALID_STATE)', () => {
    const pair = new Pair()
    expect(() => pair.a.rekey()).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
  })
})

describe('re-keying: messages in flight across the switch', () => {
  it('decrypts old-key messages after the switch and new-key messages before the commit arrives', () => {
    const pair = ready()
    const k0 = hex(pair.a.keyFingerprint)
    pair.route('a', pair.a.rekey())
    pair.send('b', 'b-old-1')
    pair.drain('b') // B accepts: acceptKey goes to A after b-old-1; B keeps sending under K0.
    expect(pair.b!.state).toBe('rekeying')
    const bOld2 = pair.send('b', 'b-old-2')
    expect(hex(bOld2.data.subarray(0, 8))).toBe(k0)

    // A gets b-old-1 and acceptKey: it commits and switches, then sends under K1.
    pair.deliver('a', pair.inbox.a.shift()!)
    pair.deliver('a', pair.inbox.a.shift()!)
    const k1 = hex(pair.a.keyFingerprint)
    expect(k1).not.toBe(k0)
    const aNew = pair.send('a', 'a-new-1')
    expect(hex(aNew.data.subarray(0, 8))).toBe(k1)

    // b-old-2 (K0) still decrypts at A.
    pair.deliver('a', pair.inbox.a.shift()!)
    expect(pair.texts('a')).toEqual(['b-old-1', 'b-old-2'])

    // At B, a-new-1 (under the pending K1) arrives before commitKey: held, then delivered after it.
    const [commit, newMsg] = pair.inbox.b.splice(0, 2)
    const held = pair.deliver('b', newMsg)
    expect(held.some((o) => o.type === 'buffered')).toBe(true)
    pair.deliver('b', commit)
    expect(pair.texts('b')).toEqual(['a-new-1'])
    expect(hex(pair.b!.keyFingerprint)).toBe(k1)
    pair.settle()
    expect(pair.a.state).toBe('active')
    expect(pair.b!.state).toBe('active')
    // Both have retired K0 now: a late copy of an old envelope is a duplicate, not a new message.
    expect(pair.of('a', 'keyRetired').map((o) => hex(o.fingerprint))).toEqual([k0])
    expect(pair.of('b', 'keyRetired').map((o) => hex(o.fingerprint))).toEqual([k0])
    expect(droppedCodes(pair.a.decrypt(bOld2))).toEqual(['SECRET_DUPLICATE'])
  })

  it('keeps the previous key while the peer has not acknowledged everything sent under it', () => {
    const pair = ready()
    const k0 = pair.a.toJSON().keys!.current.key
    pair.route('a', pair.a.rekey())
    pair.drain('b')
    pair.drain('a') // A commits and switches.
    // B has not seen commitKey yet, so A must still be able to read B's K0 messages.
    expect(pair.a.toJSON().keys!.previous?.key).toBe(k0)
    pair.settle()
    expect(pair.a.toJSON().keys!.previous).toBeNull()
  })
})

describe('re-keying: the conflict rule', () => {
  it('resolves concurrent requestKeys: the larger exchange_id wins on both sides', () => {
    const pair = ready()
    pair.route('a', pair.a.rekey())
    pair.route('b', pair.b!.rekey())
    const ja = pair.a.toJSON().rekey
    const jb = pair.b!.toJSON().rekey
    if (ja.phase !== 'requested' || jb.phase !== 'requested') throw new Error('both should be requesting')
    const [winner, loser] = ja.exchange_id > jb.exchange_id ? (['a', 'b'] as const) : (['b', 'a'] as const)
    pair.settle()
    expect(transitions(pair.log[loser])).toContain('rekeying→rekeying:rekey_conflict_lost')
    expect(droppedCodes(pair.log[winner])).toContain('SECRET_REKEY_FAILED')
    expect(pair.of('a', 'rekeyed')).toHaveLength(1)
    expect(pair.of('b', 'rekeyed')).toHaveLength(1)
    expect(hex(pair.a.keyFingerprint)).toBe(hex(pair.b!.keyFingerprint))
    pair.send('a', 'after the conflict')
    pair.send('b', 'me too')
    pair.settle()
    expect(pair.texts('b')).toEqual(['after the conflict'])
    expect(pair.texts('a')).toEqual(['me too'])
  })
})

describe('re-keying: unknown key-share (Miculan & Vitacolonna)', () => {
  const base = () => {
    const oldKey = p.randomBytes(256)
    const a = p.x25519Keygen()
    const b = p.x25519Keygen()
    const binding = { chatId: '0011223344556677', initiatorIdentity: p.randomBytes(32), responderIdentity: p.randomBytes(32) }
    const input = { ...binding, oldKey, exchangeId: 'a1b2c3d4e5f60718', gA: a.publicKey, gB: b.publicKey }
    return { a, b, input }
  }

  it('binds the new key to the chat id, both identities and the exchange: the same DH under another binding never matches', () => {
    const { a, b, input } = base()
    const mine = deriveRekey(p, { ...input, secret: a.secretKey, peerPublic: b.publicKey })
    const theirs = deriveRekey(p, { ...input, secret: b.secretKey, peerPublic: a.publicKey })
    expect(hex(mine.fingerprint)).toBe(hex(theirs.fingerprint))
    const variants = [
      { chatId: '0011223344556678' },
      { initiatorIdentity: p.randomBytes(32) },
      { responderIdentity: p.randomBytes(32) },
      { initiatorIdentity: input.responderIdentity, responderIdentity: input.initiatorIdentity },
      { exchangeId: 'a1b2c3d4e5f60719' },
      { oldKey: p.randomBytes(256) },
    ]
    for (const change of variants) {
      const other = deriveRekey(p, { ...input, ...change, secret: b.secretKey, peerPublic: a.publicKey })
      expect(hex(other.fingerprint)).not.toBe(hex(mine.fingerprint))
      expect(hex(other.key)).not.toBe(hex(mine.key))
    }
  })

  it('a requestKey replayed into a different chat yields a fingerprint the original initiator refuses', () => {
    // Chat 1: A ↔ B. Chat 2: M ↔ B, where M is the attacker and holds chat 2's key.
    const chat1 = ready()
    const chat2 = new Pair()
    chat2.settle()
    // A starts a re-key in chat 1. The attacker learns its exchange (here: from A's state, the
    // strongest assumption: as if g_a and exchange_id were public).
    chat1.route('a', chat1.a.rekey())
    chat1.inbox.b.length = 0
    const req = chat1.a.toJSON().rekey
    if (req.phase !== 'requested') throw new Error('A should be requesting')
    // M replays it into chat 2, correctly keyed and sequenced there.
    const m = chat2.a
    const mj = m.toJSON()
    const replay = forge(m, {
      layer: 1,
      in_seq_no: 2 * mj.seq.in,
      out_seq_no: 2 * mj.seq.out + 1,
      message: { _: 'service', action: { _: 'requestKey', exchange_id: req.exchange_id, g_a: fromBase64(req.g_a) } },
    })
    const bOut = chat2.b!.decrypt(replay)
    const acceptEnv = bOut.find((o) => o.type === 'send' && o.purpose === 'acceptKey')
    if (acceptEnv?.type !== 'send') throw new Error('B should accept in chat 2')
    // M reads B's acceptKey with chat 2's key and relays g_b and the fingerprint into chat 1.
    const k2 = fromBase64(mj.keys!.current.key)
    const accept = decodePayload(openEnvelope(p, k2, 8, acceptEnv.envelope.data))
    if (accept.kind !== 'seq' || accept.payload.message._ !== 'service' || accept.payload.message.action._ !== 'acceptKey')
      throw new Error('expected acceptKey')
    const action = accept.payload.message.action
    const j1 = chat1.b!.toJSON()
    const relayed = forge(chat1.b!, {
      layer: 1,
      in_seq_no: 2 * j1.seq.in + 1,
      out_seq_no: 2 * j1.seq.out,
      message: { _: 'service', action },
    })
    const aOut = chat1.a.decrypt(relayed)
    // A derives its key bound to chat 1 and A/B: it does not match the fingerprint made in chat 2.
    expect(transitions(aOut)).toEqual(['rekeying→active:SECRET_REKEY_FAILED'])
    expect(aOut.some((o) => o.type === 'send' && o.purpose === 'abortKey')).toBe(true)
    expect(aOut.some((o) => o.type === 'rekeyed')).toBe(false)
  })

  it('a responder whose state binds another chat id or identity cannot complete a re-key: abortKey, old key kept', () => {
    for (const tamper of ['chat_id', 'identity'] as const) {
      const pair = ready()
      const k0 = hex(pair.a.keyFingerprint)
      const json = pair.b!.toJSON()
      if (tamper === 'chat_id') json.chat_id = 'fedcba9876543210'
      else json.identity = { ...json.identity, peer: toBase64(p.randomBytes(32)) }
      pair.b = SecretChatSession.fromJSON(json, { provider: p, now: pair.clock.now })
      pair.route('a', pair.a.rekey())
      pair.settle()
      expect(transitions(pair.log.a)).toContain('rekeying→active:SECRET_REKEY_FAILED')
      expect(pair.of('a', 'send').some((o) => o.purpose === 'abortKey')).toBe(true)
      expect(transitions(pair.log.b)).toContain('rekeying→active:SECRET_REKEY_FAILED')
      expect(hex(pair.a.keyFingerprint)).toBe(k0)
      expect(hex(pair.b.keyFingerprint)).toBe(k0)
      // The chat goes on under the old key.
      pair.send('a', 'still here')
      pair.settle()
      expect(pair.texts('b')).toEqual(['still here'])
    }
  })

  it('a commitKey with a fingerprint other than ours aborts the chat (the sides diverged)', () => {
    const pair = ready()
    pair.route('a', pair.a.rekey())
    pair.drain('b') // B accepted; now a commitKey with the wrong fingerprint arrives.
    const req = pair.b!.toJSON().rekey
    if (req.phase !== 'accepted') throw new Error('B should have accepted')
    const ja = pair.a.toJSON()
    const env = forge(pair.a, {
      layer: 1,
      in_seq_no: 2 * ja.seq.in,
      out_seq_no: 2 * ja.seq.out + 1,
      message: { _: 'service', action: { _: 'commitKey', exchange_id: req.exchange_id, key_fingerprint: p.randomBytes(8) } },
    })
    const out = pair.b!.decrypt(env)
    expect(transitions(out)).toEqual(['rekeying→aborted:SECRET_REKEY_FAILED'])
    expect(pair.b!.toJSON().keys).toBeNull()
  })
})
