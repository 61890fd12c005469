/**
 * docs/PROTOCOL.md against the code: the worked example's hex values (recomputed both by the code
 * and, independently, with node:crypto), the documented sizes, the bad_msg codes, and the list of
 * body types (every type named in §2.7, §3 and §3.1 has a schema, and every schema is documented).
 */
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BAD_MSG_CODES } from '../../../sdk/errors.js'
import { HS_INIT_SIZE, HS_OK_SIZE } from '../../../sdk/protocol/handshake-codec.js'
import { BODY_TYPES, kindOf } from '../../../sdk/protocol/schemas/registry.js'
import { RPC_METHOD_NAMES } from '../../../sdk/protocol/schemas/rpc.js'
import { UPDATE_TYPES } from '../../../sdk/protocol/schemas/updates.js'
import { Session } from '../../../sdk/protocol/session.js'
import { FROM_CLIENT } from '../../../sdk/protocol/schemas/registry.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { fromHex } from '../../../sdk/util/bytes.js'
import { counting, EXAMPLE_TIME, frameExample, handshakeExample } from './fixtures/worked-example.js'

const doc = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8')

/** The text from the heading starting with `from` up to the next heading starting with `to`. */
function section(from: string, to: string): string {
  const start = doc.indexOf(`\n${from}`)
  const end = doc.indexOf(`\n${to}`, start + 1)
  expect(start, `heading "${from}"`).toBeGreaterThan(-1)
  expect(end, `heading "${to}"`).toBeGreaterThan(start)
  return doc.slice(start, end)
}

/** `name = hex` lines of each fenced block of a section. */
function hexBlocks(text: string): Record<string, string>[] {
  return [...text.matchAll(/```\n([\s\S]*?)```/g)].map((m) =>
    Object.fromEntries([...m[1].matchAll(/^(\w+)\s+=\s+([0-9a-f]+)\s*$/gm)].map((l) => [l[1], l[2]])),
  )
}

const example = section('### 2.9 Worked example', '## 3. RPC')
const [hsDoc, frameDoc] = hexBlocks(example)

// --- node:crypto as an independent oracle ---------------------------------------------------
const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]))
const der = (prefix: string, key: Uint8Array) => Buffer.concat([Buffer.from(prefix, 'hex'), key])
const x25519Priv = (k: Uint8Array) => createPrivateKey({ key: der('302e020100300506032b656e04220420', k), format: 'der', type: 'pkcs8' })
const ed25519Priv = (k: Uint8Array) => createPrivateKey({ key: der('302e020100300506032b657004220420', k), format: 'der', type: 'pkcs8' })
const rawPublic = (priv: ReturnType<typeof createPrivateKey>) => new Uint8Array(createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(-32))
const x25519Pub = (raw: Uint8Array) => createPublicKey({ key: der('302a300506032b656e032100', raw), format: 'der', type: 'spki' })

/** AES-256-IGE encryption from node's AES block (ECB, one block at a time). */
function igeEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const aes = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false)
  const out = new Uint8Array(data.length)
  let c = iv.subarray(0, 16)
  let pPrev = iv.subarray(16, 32)
  for (let i = 0; i < data.length; i += 16) {
    const p = data.subarray(i, i + 16)
    const e = aes.update(p.map((b, j) => b ^ c[j]))
    const block = e.map((b, j) => b ^ pPrev[j])
    out.set(block, i)
    c = block
    pPrev = p
  }
  return out
}

describe('PROTOCOL.md worked example', () => {
  it('the handshake values are what the code computes', async () => {
    expect(hsDoc).toEqual((await handshakeExample()).values)
  })

  it('the frame values are what the code computes, and the session API packs the same bytes', () => {
    const f = frameExample()
    expect(frameDoc).toEqual(f.values)
    expect(f.sessionFrame).toBe(frameDoc.frame)
  })

  it('node:crypto reproduces the handshake: keys, signature, auth_key, auth_key_id, salt', () => {
    const h = hsDoc
    const hsOk = fromHex(h.hs_ok)
    const clientPub = rawPublic(x25519Priv(fromHex(h.client_secret)))
    const serverPub = rawPublic(x25519Priv(fromHex(h.relay_secret)))
    expect(rawPublic(ed25519Priv(fromHex(h.relay_seed)))).toEqual(fromHex(h.server_key))
    const time = new Uint8Array(8)
    new DataView(time.buffer).setBigUint64(0, BigInt(EXAMPLE_TIME), true)
    const layer = Uint8Array.from([1, 0, 0, 0])
    expect(fromHex(h.hs_init)).toEqual(cat(new TextEncoder().encode('mti1'), fromHex(h.nonce), clientPub, layer))
    const transcript = cat(new TextEncoder().encode('mt-chat/handshake/v1'), fromHex(h.nonce), fromHex(h.server_nonce), clientPub, serverPub, time, layer)
    const signature = new Uint8Array(sign(null, transcript, ed25519Priv(fromHex(h.relay_seed))))
    expect(hsOk).toEqual(cat(new TextEncoder().encode('mto1'), fromHex(h.nonce), fromHex(h.server_nonce), serverPub, time, signature))
    const shared = diffieHellman({ privateKey: x25519Priv(fromHex(h.client_secret)), publicKey: x25519Pub(serverPub) })
    const authKey = new Uint8Array(hkdfSync('sha256', shared, cat(fromHex(h.nonce), fromHex(h.server_nonce)), 'mt-chat auth_key', 256))
    expect(authKey.subarray(0, 32)).toEqual(fromHex(h.auth_key_head))
    expect(new Uint8Array(createHash('sha1').update(authKey).digest()).subarray(12, 20)).toEqual(fromHex(h.auth_key_id))
    expect(fromHex(h.server_salt)).toEqual(fromHex(h.nonce).subarray(0, 8).map((b, i) => b ^ fromHex(h.server_nonce)[i]))
  })

  it('node:crypto reproduces the frame: msg_key, KDF, AES-256-IGE', () => {
    const authKey = counting(0, 256)
    const plaintext = fromHex(frameDoc.plaintext)
    const msgKey = sha256(authKey.subarray(88, 120), plaintext).subarray(8, 24)
    expect(msgKey).toEqual(fromHex(frameDoc.msg_key))
    const a = sha256(msgKey, authKey.subarray(0, 36))
    const b = sha256(authKey.subarray(40, 76), msgKey)
    const aesKey = cat(a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32))
    const aesIv = cat(b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32))
    const keyIdBytes = new Uint8Array(createHash('sha1').update(authKey).digest()).subarray(12, 20)
    expect(cat(keyIdBytes, msgKey, igeEncrypt(aesKey, aesIv, plaintext))).toEqual(fromHex(frameDoc.frame))
    // And the documented plaintext is the documented fields.
    const le = new DataView(plaintext.buffer)
    expect(le.getBigUint64(16, true).toString()).toBe(frameDoc.msg_id)
    expect([le.getUint32(24, true), le.getUint32(28, true)]).toEqual([1, 24])
  })

  it('a relay session opens the documented frame to the documented body', () => {
    const relay = new Session({ role: 'relay', bodies: FROM_CLIENT, provider: nobleProvider, now: () => EXAMPLE_TIME, authKey: counting(0, 256), salt: fromHex('1122334455667788') })
    const r = relay.unpack(fromHex(frameDoc.frame))
    expect(r).toMatchObject({ ok: true, seqNo: 1, kind: 'content', body: { _: 'updates.getState' } })
  })
})

describe('PROTOCOL.md sizes and codes', () => {
  it('hs_init is 56 bytes and hs_ok 140, as documented and as the example shows', () => {
    const hs = section('### 2.2 Handshake', '### 2.3')
    expect(Number(/`hs_init`, client → relay, (\d+) bytes/.exec(hs)?.[1])).toBe(HS_INIT_SIZE)
    expect(Number(/`hs_ok`, relay → client, (\d+) bytes/.exec(hs)?.[1])).toBe(HS_OK_SIZE)
    expect([hsDoc.hs_init.length / 2, hsDoc.hs_ok.length / 2]).toEqual([HS_INIT_SIZE, HS_OK_SIZE])
  })

  it('the bad_msg numbers of the §2.4 table are those of the code', () => {
    const rows = [...section('### 2.4', '### 2.5').matchAll(/\|\s*`([A-Z_]+)`[^|]*\|\s*(\d+)/g)]
    expect(rows.length).toBe(Object.keys(BAD_MSG_CODES).length)
    for (const [, code, n] of rows) expect(BAD_MSG_CODES[code as keyof typeof BAD_MSG_CODES]).toBe(Number(n))
  })
})

describe('PROTOCOL.md body types', () => {
  const named = (text: string) => new Set([...text.matchAll(/"_":\s*"([\w.]+)"/g)].map((m) => m[1]))
  const rpc = section('## 3. RPC', '### 3.1')
  const updates = section('### 3.1', '## 4.')
  const methods = new Set([...rpc.matchAll(/^\|\s*`([\w.]+)`\s*\|/gm)].map((m) => m[1]))

  it('every RPC method in the §3 table has a schema, and vice versa', () => {
    expect([...methods].sort()).toEqual([...RPC_METHOD_NAMES].sort())
  })

  it('every body named in §2.7, §3 and §3.1 has a schema, and vice versa', () => {
    const documented = new Set([...named(section('### 2.7', '### 2.8')), ...named(rpc), ...methods, ...[...named(updates)].filter((t) => !t.startsWith('update.'))])
    expect([...documented].sort()).toEqual([...BODY_TYPES].sort())
  })

  it('every update named in §3.1 has a schema, and vice versa', () => {
    expect([...named(updates)].filter((t) => t.startsWith('update.')).sort()).toEqual([...UPDATE_TYPES].sort())
  })

  it('the service types listed in §2.5 are exactly those kindOf calls service', () => {
    const line = /Service:([^.]*)\./.exec(section('### 2.5', '### 2.6'))?.[1] ?? ''
    const listed = [...line.matchAll(/`([\w.]+)`/g)].map((m) => m[1]).sort()
    expect(listed).toEqual(BODY_TYPES.filter((t) => kindOf(t) === 'service').sort())
  })
})
