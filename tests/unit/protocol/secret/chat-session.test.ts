import { describe, expect, it } from 'vitest'
import { MtChatError } from '../../../../sdk/errors.js'
import { SecretChatSession } from '../../../../sdk/protocol/secret/chat-session.js'
import { DeviceKeys } from '../../../../sdk/protocol/secret/identity.js'
import type { SecretEnvelope, UserAction } from '../../../../sdk/protocol/secret/outcomes.js'
import { verificationCode } from '../../../../sdk/crypto/fingerprint.js'
import { signWithContext } from '../../../../sdk/crypto/keys.js'
import { toBase64, toHex } from '../../../../sdk/util/bytes.js'
import { Pair, droppedCodes, forge, freshDeviceKeys, p, relayBundle, transitions } from './harness.js'

describe('secret chat session: starting a chat (§4.1)', () => {
  it('starts with an offline peer from its bundle, consuming the one-time prekey', () => {
    const pair = new Pair()
    const opk = relayBundle(pair.bKeys).one_time_prekey!.id
    expect(pair.a.state).toBe('initiating')
    expect(transitions(pair.log.a)).toEqual(['null→initiating:created'])
    // A keeps sending while B is offline; every envelope carries init.
    const env = pair.send('a', 'hello while you were away')
    expect(env.init?.one_time_prekey_id).toBe(opk)
    expect(pair.inbox.b.every((e) => e.init !== undefined)).toBe(true)

    pair.settle()
    expect(pair.b!.state).toBe('active')
    expect(pair.a.state).toBe('active')
    expect(transitions(pair.log.a)).toEqual(['null→initiating:created', 'initiating→active:peer_joined'])
    expect(pair.texts('b')).toEqual(['hello while you were away'])
    expect(pair.bKeys.oneTimePrekeyIds).not.toContain(opk)
    expect(pair.bKeys.toJSON().one_time_prekeys.map((k) => k.id)).not.toContain(opk)
    // Once B answered, A stops attaching init.
    expect(pair.send('a', 'now you are here').init).toBeUndefined()
    pair.settle()
    expect(pair.texts('b')).toEqual(['hello while you were away', 'now you are here'])
    expect(pair.a.keyFingerprint).toEqual(pair.b!.keyFingerprint)
  })

  it('starts without a one-time prekey when the relay has none left', () => {
    const pair = new Pair({ withOneTimePrekey: false })
    const before = pair.bKeys.oneTimePrekeyIds
    const env = pair.send('a', 'no opk')
    expect(env.init?.one_time_prekey_id).toBeUndefined()
    pair.settle()
    expect(pair.texts('b')).toEqual(['no opk'])
    expect(pair.bKeys.oneTimePrekeyIds).toEqual(before)
  })

  it('talks both ways, in order, exactly once', () => {
    const pair = new Pair()
    pair.settle()
    for (let i = 0; i < 10; i++) {
      pair.send('a', `a${i}`)
      pair.send('b', `b${i}`)
    }
    pair.settle()
    expect(pair.texts('b')).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`))
    expect(pair.texts('a')).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`))
  })

  it('refuses an init whose one-time prekey was already used (SECRET_UNKNOWN_PREKEY), creating nothing', () => {
    const pair = new Pair()
    pair.settle()
    // A second initiator is handed the same (already consumed) one-time prekey by a faulty relay.
    const started = SecretChatSession.initiate({ provider: p, identity: freshDeviceKeys(), bundle: relayBundle(pair.bKeys) })
    expect(started.init.one_time_prekey_id).toBeDefined()
    const env = started.outcomes.find((o) => o.type === 'send')!
    if (env.type !== 'send') throw new Error('unreachable')
    const used = pair.log.a.find((o) => o.type === 'send' && o.envelope.init)
    if (used?.type !== 'send') throw new Error('unreachable')
    const reused = { ...env.envelope, init: { ...env.envelope.init!, one_time_prekey_id: used.envelope.init!.one_time_prekey_id } }
    expect(() => SecretChatSession.accept({ provider: p, identity: pair.bKeys, chatId: started.chatId, envelope: reused })).toThrow(
      expect.objectContaining({ code: 'SECRET_UNKNOWN_PREKEY' }),
    )
  })

  it('refuses an init with a bad identity_dh signature (SECRET_BAD_PREKEY_SIGNATURE) and keeps the prekey', () => {
    const pair = new Pair()
    const first = pair.inbox.b[0]
    const sig = first.init!.identity_dh_sig.slice()
    sig[5] ^= 1
    const before = pair.bKeys.oneTimePrekeyIds
    expect(() =>
      SecretChatSession.accept({ provider: p, identity: pair.bKeys, chatId: pair.chatId, envelope: { ...first, init: { ...first.init!, identity_dh_sig: sig } } }),
    ).toThrow(expect.objectContaining({ code: 'SECRET_BAD_PREKEY_SIGNATURE' }))
    expect(pair.bKeys.oneTimePrekeyIds).toEqual(before)
  })

  it('refuses a first envelope that does not authenticate, and keeps the one-time prekey', () => {
    const pair = new Pair()
    const first = pair.inbox.b[0]
    const data = first.data.slice()
    data[40] ^= 0x80
    const before = pair.bKeys.oneTimePrekeyIds
    expect(() => SecretChatSession.accept({ provider: p, identity: pair.bKeys, chatId: pair.chatId, envelope: { ...first, data } })).toThrow(
      expect.objectContaining({ code: 'SECRET_BAD_MSG_KEY' }),
    )
    // A different chat id derives a different key: the envelope's fingerprint does not match.
    expect(() => SecretChatSession.accept({ provider: p, identity: pair.bKeys, chatId: '0123456789abcdef', envelope: first })).toThrow(
      expect.objectContaining({ code: 'SECRET_BAD_FINGERPRINT' }),
    )
    expect(pair.bKeys.oneTimePrekeyIds).toEqual(before)
  })

  it('refuses a correctly signed bundle whose prekey is a low-order point (SECRET_BAD_BUNDLE)', () => {
    const ik = p.ed25519Keygen()
    const idh = p.x25519Keygen().publicKey
    const spk = new Uint8Array(32) // the all-zero point: X25519 with it is all zero
    const body = new Uint8Array(36)
    body.set(spk, 4)
    body[0] = 7
    const bundle = {
      user_id: 9,
      device_id: 'evil',
      identity_key: toBase64(ik.publicKey),
      identity_dh: toBase64(idh),
      identity_dh_sig: toBase64(signWithContext(p, 'identityDh', idh, ik.secretKey)),
      signed_prekey: { id: 7, key: toBase64(spk), sig: toBase64(signWithContext(p, 'signedPrekey', body, ik.secretKey)) },
    }
    expect(() => SecretChatSession.initiate({ provider: p, identity: freshDeviceKeys(), bundle })).toThrow(
      expect.objectContaining({ code: 'SECRET_BAD_BUNDLE' }),
    )
  })

  it('refuses a tampered bundle before deriving anything', () => {
    const pair = new Pair()
    const bundle = relayBundle(pair.bKeys)
    const sig = Uint8Array.from(atob(bundle.signed_prekey.sig), (c) => c.charCodeAt(0))
    sig[0] ^= 1
    const bad = { ...bundle, signed_prekey: { ...bundle.signed_prekey, sig: btoa(String.fromCharCode(...sig)) } }
    expect(() => SecretChatSession.initiate({ provider: p, identity: pair.aKeys, bundle: bad })).toThrow(
      expect.objectContaining({ code: 'SECRET_BAD_PREKEY_SIGNATURE' }),
    )
  })
})

describe('secret chat session: verification (§4.7)', () => {
  const codeOf = (s: SecretChatSession) => {
    const k = s.identityKeys()
    return { ...verificationCode(p, k.ownIdentityKey, k.peerIdentityKey), ...k }
  }
  it('shows both sides the same safety number and emoji, from both identity keys', () => {
    const pair = new Pair()
    pair.settle()
    const a = codeOf(pair.a)
    const b = codeOf(pair.b!)
    expect(a.safetyNumber).toMatch(/^\d{60}$/)
    expect(a.emoji).toHaveLength(8)
    expect(b.safetyNumber).toBe(a.safetyNumber)
    expect(b.emoji).toEqual(a.emoji)
    expect(toHex(a.ownIdentityKey)).toBe(toHex(pair.aKeys.identityKey))
    expect(toHex(a.peerIdentityKey)).toBe(toHex(pair.bKeys.identityKey))
    expect(toHex(b.peerIdentityKey)).toBe(toHex(pair.aKeys.identityKey))
    // A third party's chat with B shows B a different number.
    const other = new Pair()
    other.settle()
    expect(codeOf(other.a).safetyNumber).not.toBe(a.safetyNumber)
  })
})

describe('secret chat session: layer negotiation (§4.5)', () => {
  it('each side announces its own layer first and both speak the lower one', () => {
    const pair = new Pair({ aLayer: 3, bLayer: 2 })
    // Until A knows B's layer it speaks the base layer 1.
    expect(pair.a.layer).toBe(1)
    pair.settle()
    expect(pair.b!.layer).toBe(2)
    expect(pair.a.layer).toBe(2)
    expect(pair.of('a', 'layer').map((o) => o.layer)).toEqual([2])
    // B's first message is its notifyLayer.
    expect(pair.of('b', 'send')[0].purpose).toBe('notifyLayer')
  })

  it('aborts on a payload above our layer (SECRET_BAD_PAYLOAD)', () => {
    const pair = new Pair()
    pair.settle()
    const json = pair.a.toJSON()
    const env = forge(pair.a, { layer: 5, in_seq_no: 2 * json.seq.in, out_seq_no: 2 * json.seq.out + 1, message: { _: 'text', text: 'future' } })
    const out = pair.b!.decrypt(env)
    expect(transitions(out)).toEqual(['active→aborted:SECRET_BAD_PAYLOAD'])
  })
})

describe('secret chat session: attacks and faults, each with its code', () => {
  function ready() {
    const pair = new Pair()
    pair.settle()
    return pair
  }

  it('a message reflected back to its sender fails SECRET_BAD_MSG_KEY', () => {
    const pair = ready()
    const env = pair.send('a', 'mine')
    expect(droppedCodes(pair.a.decrypt(env))).toEqual(['SECRET_BAD_MSG_KEY'])
    expect(pair.a.state).toBe('active')
  })

  it('an unknown key_fingerprint fails SECRET_BAD_FINGERPRINT', () => {
    const pair = ready()
    const env = pair.send('a', 'x')
    const data = env.data.slice()
    data[0] ^= 1
    expect(droppedCodes(pair.b!.decrypt({ ...env, data }))).toEqual(['SECRET_BAD_FINGERPRINT'])
  })

  it('a bit flip in msg_key or ciphertext fails SECRET_BAD_MSG_KEY; a truncation fails too, and nothing is delivered', () => {
    const pair = ready()
    const env = pair.send('a', 'intact')
    for (const i of [8, 23, 24, env.data.length - 1]) {
      const data = env.data.slice()
      data[i] ^= 0x01
      expect(droppedCodes(pair.b!.decrypt({ ...env, data }))).toEqual(['SECRET_BAD_MSG_KEY'])
    }
    expect(droppedCodes(pair.b!.decrypt({ ...env, data: env.data.slice(0, -16) }))).toEqual(['SECRET_BAD_MSG_KEY'])
    expect(droppedCodes(pair.b!.decrypt({ ...env, data: env.data.slice(0, -1) }))).toEqual(['SECRET_BAD_ENVELOPE'])
    expect(droppedCodes(pair.b!.decrypt({ ...env, data: env.data.slice(0, 30) }))).toEqual(['SECRET_BAD_ENVELOPE'])
    expect(pair.texts('b')).toEqual([])
    // The genuine one still goes through afterwards.
    pair.drain('b')
    expect(pair.texts('b')).toEqual(['intact'])
  })

  it('a random_id changed by the relay is dropped (SECRET_BAD_PAYLOAD) without ending the chat', () => {
    const pair = ready()
    const env = pair.send('a', 'x')
    const out = pair.b!.decrypt({ ...env, randomId: 'ffffffffffffffff' })
    expect(droppedCodes(out)).toEqual(['SECRET_BAD_PAYLOAD'])
    expect(pair.b!.state).toBe('active')
  })

  it('a duplicate is dropped with SECRET_DUPLICATE, never delivered twice', () => {
    const pair = ready()
    const env = pair.send('a', 'once')
    pair.drain('b')
    expect(droppedCodes(pair.b!.decrypt(env))).toEqual(['SECRET_DUPLICATE'])
    expect(pair.texts('b')).toEqual(['once'])
  })

  it('a gap is buffered (SECRET_GAP), a resend is asked for, and the answer is the exact bytes', () => {
    const pair = ready()
    const m1 = pair.send('a', 'one')
    const m2 = pair.send('a', 'two')
    const m3 = pair.send('a', 'three')
    pair.inbox.b.length = 0
    const m1Bytes = toHex(m1.data)
    m1.data.fill(0) // what the caller does with its copy cannot change the kept bytes
    // m1 is lost; m2 and m3 arrive.
    const out2 = pair.deliver('b', m2)
    const buffered = out2.find((o) => o.type === 'buffered')
    expect(buffered?.type === 'buffered' && buffered.error.code).toBe('SECRET_GAP')
    const req = out2.find((o) => o.type === 'send')
    expect(req?.type === 'send' && req.purpose).toBe('resendRequest')
    // The second arrival is inside the range already asked for: no new request.
    const out3 = pair.deliver('b', m3)
    expect(out3.filter((o) => o.type === 'send')).toEqual([])
    expect(pair.texts('b')).toEqual([])

    pair.drain('a')
    const resent = pair.inbox.b.slice()
    expect(resent).toHaveLength(1)
    expect(toHex(resent[0].data)).toBe(m1Bytes)
    expect(resent[0].randomId).toBe(m1.randomId)
    pair.drain('b')
    expect(pair.texts('b')).toEqual(['one', 'two', 'three'])
  })

  it('a message too far ahead is not buffered (SECRET_GAP) and is asked for again, then delivered', () => {
    const pair = new Pair({ maxBuffered: 2 })
    pair.settle()
    const sent = ['m0', 'm1', 'm2', 'm3'].map((t) => pair.send('a', t))
    pair.inbox.b.length = 0
    const far = pair.deliver('b', sent[3])
    expect(droppedCodes(far)).toEqual(['SECRET_GAP'])
    expect(far.some((o) => o.type === 'buffered')).toBe(false)
    pair.settle()
    expect(pair.texts('b')).toEqual(['m0', 'm1', 'm2', 'm3'])
  })

  it('a resend for a copy evicted by the store bound aborts the chat (SECRET_RESEND_UNAVAILABLE)', () => {
    const pair = new Pair({ maxStored: 2 })
    pair.settle()
    const sent = ['m0', 'm1', 'm2', 'm3'].map((t) => pair.send('a', t))
    pair.inbox.b.length = 0
    pair.deliver('b', sent[3]) // B asks for m0..m2; A kept only m2 and m3
    const out = pair.deliver('a', pair.inbox.a.shift()!)
    expect(transitions(out)).toEqual(['active→aborted:SECRET_RESEND_UNAVAILABLE'])
  })

  it('wrong parity aborts the chat (SECRET_BAD_PARITY) and zeroizes its keys', () => {
    const pair = ready()
    const json = pair.a.toJSON()
    // A correctly keyed message with the responder's out parity (even) instead of the initiator's.
    const env = forge(pair.a, { layer: 1, in_seq_no: 2 * json.seq.in, out_seq_no: 2 * json.seq.out, message: { _: 'text', text: 'x' } })
    const out = pair.b!.decrypt(env)
    expect(transitions(out)).toEqual(['active→aborted:SECRET_BAD_PARITY'])
    const aborted = out.find((o) => o.type === 'state')
    expect(aborted?.type === 'state' && aborted.error?.code).toBe('SECRET_BAD_PARITY')
    expect(pair.b!.toJSON().keys).toBeNull()
    expect(droppedCodes(pair.b!.decrypt(pair.send('a', 'late')))).toEqual(['SECRET_ABORTED'])
    expect(() => pair.b!.encrypt({ _: 'text', text: 'x' })).toThrow(expect.objectContaining({ code: 'SECRET_ABORTED' }))
  })

  it('an in_seq_no acknowledging more than we sent aborts (SECRET_BAD_PARITY)', () => {
    const pair = ready()
    const json = pair.a.toJSON()
    const env = forge(pair.a, { layer: 1, in_seq_no: 2 * (json.seq.in + 5), out_seq_no: 2 * json.seq.out + 1, message: { _: 'text', text: 'x' } })
    expect(transitions(pair.b!.decrypt(env))).toEqual(['active→aborted:SECRET_BAD_PARITY'])
  })

  it('a resend request for messages never sent aborts (SECRET_BAD_PARITY)', () => {
    const pair = ready()
    const json = pair.a.toJSON()
    const bOut = pair.b!.toJSON().seq.out
    const env = forge(pair.a, {
      layer: 1,
      in_seq_no: 2 * json.seq.in,
      out_seq_no: 2 * json.seq.out + 1,
      message: { _: 'service', action: { _: 'resend', start: 0, end: 2 * (bOut + 3) } },
    })
    expect(transitions(pair.b!.decrypt(env))).toEqual(['active→aborted:SECRET_BAD_PARITY'])
  })

  it('an authenticated payload that fails the schema aborts (SECRET_BAD_PAYLOAD)', () => {
    const pair = ready()
    const json = pair.a.toJSON()
    const env = forge(pair.a, {
      layer: 1,
      in_seq_no: 2 * json.seq.in,
      out_seq_no: 2 * json.seq.out + 1,
      message: { _: 'text', text: 'x', extra: true } as never,
    })
    expect(transitions(pair.b!.decrypt(env))).toEqual(['active→aborted:SECRET_BAD_PAYLOAD'])
  })
})

describe('secret chat session: service messages', () => {
  it('delivers typing as an ephemeral outcome and drops a stale one (SECRET_EPHEMERAL_STALE)', () => {
    const pair = new Pair()
    pair.settle()
    const typing = pair.a.encryptEphemeral()
    expect(pair.b!.decrypt(typing)).toEqual([{ type: 'typing', date: pair.clock.now() }])
    pair.clock.advance(61_000)
    expect(droppedCodes(pair.b!.decrypt(typing))).toEqual(['SECRET_EPHEMERAL_STALE'])
    // Ephemeral envelopes take no seq position.
    pair.send('a', 'after typing')
    pair.settle()
    expect(pair.texts('b')).toEqual(['after typing'])
  })

  it('passes read/delete/TTL/screenshot/flush actions through, in order', () => {
    const pair = new Pair()
    pair.settle()
    const m = pair.send('a', 'hi')
    pair.settle()
    const actions: UserAction[] = [
      { _: 'readMessages', random_ids: [m.randomId] },
      { _: 'deleteMessages', random_ids: [m.randomId] },
      { _: 'setTTL', ttl: 30 },
      { _: 'screenshot', random_ids: [m.randomId] },
      { _: 'flushHistory' },
    ]
    for (const action of actions) pair.inbox.a.push(pair.b!.encrypt({ _: 'service', action }))
    pair.settle()
    expect(pair.of('a', 'action').map((o) => o.action)).toEqual(actions)
  })

  it('refuses to send protocol actions or invalid messages directly (INVALID_ARGUMENT)', () => {
    const pair = new Pair()
    expect(() => pair.a.encrypt({ _: 'service', action: { _: 'resend', start: 0, end: 0 } } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => pair.a.encrypt({ _: 'text', text: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => pair.a.encrypt({ _: 'text', text: 'x'.repeat(4097) })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('close() zeroizes the keys and refuses further use', () => {
    const pair = new Pair()
    pair.settle()
    const key = pair.a.toJSON().keys!.current.key
    expect(transitions(pair.a.close())).toEqual(['active→closed:closed'])
    expect(JSON.stringify(pair.a.toJSON())).not.toContain(key)
    expect(() => pair.a.encrypt({ _: 'text', text: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
    const env: SecretEnvelope = pair.b!.encrypt({ _: 'text', text: 'x' })
    expect(droppedCodes(pair.a.decrypt(env))).toEqual(['INVALID_STATE'])
    expect(MtChatError.isCode('SECRET_ABORTED')).toBe(true)
  })
})
