/**
 * The re-key exchange of docs/PROTOCOL.md §4.6 on its own: the derivation against a node:crypto
 * reference written from the spec, and every branch of the requestKey/acceptKey/commitKey machine.
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { RekeyMachine, deriveRekey } from '../../../../sdk/protocol/secret/rekey.js'
import { toHex } from '../../../../sdk/util/bytes.js'
import { p } from './harness.js'

const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI = Buffer.from('302a300506032b656e032100', 'hex')

const binding = { chatId: '00112233aabbccdd', initiatorIdentity: p.randomBytes(32), responderIdentity: p.randomBytes(32) }
const oldKey = p.randomBytes(256)

function machines() {
  return { a: new RekeyMachine(p, binding, true), b: new RekeyMachine(p, binding, false) }
}

describe('deriveRekey (§4.6)', () => {
  it('matches the node:crypto reference', () => {
    const a = p.x25519Keygen()
    const b = p.x25519Keygen()
    const exchangeId = '8000000000000001'
    const mine = deriveRekey(p, { ...binding, secret: a.secretKey, peerPublic: b.publicKey, oldKey, exchangeId, gA: a.publicKey, gB: b.publicKey })
    const shared = diffieHellman({
      privateKey: createPrivateKey({ key: Buffer.concat([PKCS8, b.secretKey]), format: 'der', type: 'pkcs8' }),
      publicKey: createPublicKey({ key: Buffer.concat([SPKI, a.publicKey]), format: 'der', type: 'spki' }),
    })
    const info = Buffer.concat([
      Buffer.from('mt-chat/rekey/v1'),
      Buffer.from(binding.chatId, 'hex'),
      binding.initiatorIdentity,
      binding.responderIdentity,
      Buffer.from(exchangeId, 'hex'),
      a.publicKey,
      b.publicKey,
    ])
    const key = Buffer.from(hkdfSync('sha256', shared, createHash('sha256').update(oldKey).digest(), info, 256))
    expect(toHex(mine.key)).toBe(key.toString('hex'))
    expect(toHex(mine.fingerprint)).toBe(createHash('sha1').update(key).digest().subarray(12, 20).toString('hex'))
  })
})

describe('RekeyMachine', () => {
  it('runs requestKey → acceptKey → commitKey to the same key on both sides', () => {
    const { a, b } = machines()
    const req = a.start().reply!
    if (req._ !== 'requestKey') throw new Error('expected requestKey')
    const accepted = b.onRequest(req, oldKey)
    expect(b.busy).toBe(true)
    const acc = accepted.reply!
    if (acc._ !== 'acceptKey') throw new Error('expected acceptKey')
    const committed = a.onAccept(acc, oldKey)
    expect(committed.reply?._).toBe('commitKey')
    expect(committed.switchTo).toBeTypeOf('object')
    const switched = typeof committed.switchTo === 'object' ? committed.switchTo : undefined
    expect(toHex(switched!.fingerprint)).toBe(toHex(accepted.pending!.fingerprint))
    const commit = committed.reply!
    if (commit._ !== 'commitKey') throw new Error('expected commitKey')
    expect(b.onCommit(commit)).toEqual({ switchTo: 'pending' })
    expect(a.busy || b.busy).toBe(false)
  })

  it('answers a fingerprint mismatch with abortKey and no switch (SECRET_REKEY_FAILED)', () => {
    const { a, b } = machines()
    const req = a.start().reply!
    if (req._ !== 'requestKey') throw new Error('expected requestKey')
    const acc = b.onRequest(req, oldKey).reply!
    if (acc._ !== 'acceptKey') throw new Error('expected acceptKey')
    const step = a.onAccept({ ...acc, key_fingerprint: p.randomBytes(8) }, oldKey)
    expect(step.reply).toEqual({ _: 'abortKey', exchange_id: req.exchange_id })
    expect(step.failure?.code).toBe('SECRET_REKEY_FAILED')
    expect(step.switchTo).toBeUndefined()
    expect(b.onAbort({ exchange_id: req.exchange_id })).toMatchObject({ discardPending: true, failure: { code: 'SECRET_REKEY_FAILED' } })
    expect(b.busy).toBe(false)
  })

  it('resolves concurrent requests: the larger exchange_id wins, the other is dropped', () => {
    const { a, b } = machines()
    const ra = a.start().reply!
    const rb = b.start().reply!
    if (ra._ !== 'requestKey' || rb._ !== 'requestKey') throw new Error('expected requestKey')
    const aWins = ra.exchange_id > rb.exchange_id
    const atA = a.onRequest(rb, oldKey)
    const atB = b.onRequest(ra, oldKey)
    const [winnerStep, loserStep] = aWins ? [atA, atB] : [atB, atA]
    expect(winnerStep.failure?.code).toBe('SECRET_REKEY_FAILED')
    expect(winnerStep.reply).toBeUndefined()
    expect(loserStep.abandoned).toBe(true)
    expect(loserStep.reply?._).toBe('acceptKey')
  })

  it('breaks an exchange_id tie in favour of the chat initiator', () => {
    const b = new RekeyMachine(p, binding, false, { phase: 'requested', exchangeId: 'ffffffffffffffff', secret: p.randomBytes(32), gA: p.x25519Keygen().publicKey })
    expect(b.onRequest({ exchange_id: 'ffffffffffffffff', g_a: p.x25519Keygen().publicKey }, oldKey).abandoned).toBe(true)
    const a = new RekeyMachine(p, binding, true, { phase: 'requested', exchangeId: 'ffffffffffffffff', secret: p.randomBytes(32), gA: p.x25519Keygen().publicKey })
    expect(a.onRequest({ exchange_id: 'ffffffffffffffff', g_a: p.x25519Keygen().publicKey }, oldKey).failure?.code).toBe('SECRET_REKEY_FAILED')
  })

  it('refuses messages for exchanges it does not know', () => {
    const { a, b } = machines()
    const id = '0000000000000042'
    expect(a.onAccept({ exchange_id: id, g_b: p.randomBytes(32), key_fingerprint: p.randomBytes(8) }, oldKey)).toMatchObject({
      reply: { _: 'abortKey', exchange_id: id },
      failure: { code: 'SECRET_REKEY_FAILED' },
    })
    // A commit for a key we do not hold means the peer moved on without us: abort the chat.
    expect(b.onCommit({ exchange_id: id, key_fingerprint: p.randomBytes(8) })).toMatchObject({ abort: true })
    expect(b.onAbort({ exchange_id: id }).abort).toBeUndefined()
  })

  it('treats an abortKey for an exchange it already committed as divergence', () => {
    const { a, b } = machines()
    const req = a.start().reply!
    if (req._ !== 'requestKey') throw new Error('expected requestKey')
    const acc = b.onRequest(req, oldKey).reply!
    if (acc._ !== 'acceptKey') throw new Error('expected acceptKey')
    a.onAccept(acc, oldKey)
    expect(a.onAbort({ exchange_id: req.exchange_id })).toMatchObject({ abort: true, failure: { code: 'SECRET_REKEY_FAILED' } })
  })

  it('answers a low-order g_a with abortKey (SECRET_REKEY_FAILED)', () => {
    const { b } = machines()
    const step = b.onRequest({ exchange_id: '0000000000000001', g_a: new Uint8Array(32) }, oldKey)
    expect(step.reply?._).toBe('abortKey')
    expect(step.failure?.code).toBe('SECRET_REKEY_FAILED')
    expect(b.busy).toBe(false)
  })

  it('zeroizes the exchange secret on wipe()', () => {
    const { a } = machines()
    a.start()
    const s = a.state
    if (s.phase !== 'requested') throw new Error('expected requested')
    expect(s.secret.some((x) => x !== 0)).toBe(true)
    a.wipe()
    expect(s.secret.every((x) => x === 0)).toBe(true)
    expect(() => {
      a.start()
      a.start()
    }).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
  })
})
