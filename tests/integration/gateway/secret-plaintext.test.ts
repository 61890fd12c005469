/**
 * The relay cannot read secret chats (DESIGN "Layer 2"): after envelopes sealed with a chat key
 * the relay never had went through it — stored for an offline device, delivered, acked, deleted —
 * neither the SQLite files (database, WAL) nor the captured logs contain any of their plaintext.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { keyId } from '../../../sdk/crypto/mtproto2.js'
import { openEnvelope, sealEnvelope } from '../../../sdk/protocol/secret/envelope.js'
import { decodePayload, encodePayload } from '../../../sdk/protocol/secret/payload.js'
import { hex16, startRelay, type TestRelay, type TestUser } from './harness.js'

const p = nodeProvider

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

describe('no secret plaintext at rest or in logs', () => {
  let t: TestRelay
  let a: TestUser, b: TestUser
  beforeAll(async () => {
    t = await startRelay({ logLevel: 'trace', keepData: true })
    ;[a, b] = [await t.register(), await t.register()]
    await t.publishKeys(b, 'b1')
  })
  afterAll(async () => {
    await t?.close()
    if (t) rmSync(t.dataDir, { recursive: true, force: true })
  })

  it('keeps only ciphertext of secret messages', async () => {
    const chatKey = p.randomBytes(256)
    const fingerprint = keyId(p, chatKey)
    const chatId = hex16()
    const markers = Array.from({ length: 20 }, (_, i) => `TOP-SECRET-${i}-${hex16()}`)
    const ca = await t.signedIn(a, { provider: p, deviceId: 'a1' })
    const rids: string[] = []
    for (const [i, text] of markers.entries()) {
      const random_id = hex16()
      rids.push(random_id)
      const payload = encodePayload({ layer: 1, random_id, random_bytes: p.randomBytes(16), in_seq_no: 0, out_seq_no: 2 * i + 1, message: { _: 'text', text } })
      const data = sealEnvelope(p, chatKey, fingerprint, 0, payload)
      await ca.call('messages.sendSecret', { peer: b.id, device_id: 'b1', chat_id: chatId, random_id, data })
    }
    // b was offline: all are stored. It reads them without acking, so they stay stored.
    const cb = await t.signedIn(b, { provider: p, deviceId: 'b1', autoAck: false })
    const d = await cb.call('updates.getDifference', { pts: 0, limit: 100 })
    const envelopes = d.updates.flatMap((u) => (u._ === 'update.secret' ? [u.envelope] : []))
    expect(await t.relay.store.knex('envelopes').where({ recipient_id: b.id })).toHaveLength(markers.length)
    expect(envelopes).toHaveLength(markers.length)
    // The envelopes are real: b, holding the chat key, reads every marker.
    expect(envelopes.map((e) => (decodePayload(openEnvelope(p, chatKey, 0, e.data)).payload as { message: { text: string } }).message.text)).toEqual(markers)
    ca.close()
    cb.close()
    await Promise.all([ca.closed, cb.closed])
    await t.close()

    const files = filesUnder(t.dataDir)
    expect(files.some((f) => f.endsWith('mt-chat.sqlite'))).toBe(true)
    const blobs = files.map((f) => readFileSync(f))
    const logs = t.logs.join('\n')
    // Positive control: the search finds what is stored in clear (a username, a random_id).
    expect(blobs.some((blob) => blob.includes(Buffer.from(b.username)))).toBe(true)
    expect(blobs.some((blob) => blob.includes(Buffer.from(rids[0])))).toBe(true)
    for (const m of markers) {
      for (const blob of blobs) expect(blob.includes(Buffer.from(m)), m).toBe(false)
      expect(logs.includes(m)).toBe(false)
      expect(logs.includes(Buffer.from(m).toString('base64').slice(0, 16))).toBe(false)
    }
    expect(logs.length).toBeGreaterThan(0)
  })
})
