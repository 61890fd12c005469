/**
 * Layer-1 frames per second (issue 3 target: ≥ 30,000 framed 256-byte messages encrypted and
 * decrypted per second on one core), two ways:
 * - the frame crypto alone: `sealFrame` + `openFrame` of sdk/protocol/frame.ts on a 256-byte
 *   plaintext (msg_key, KDF, IGE both ways, constant-time msg_key check, length/padding checks);
 * - the whole session: client `Session.pack` + relay `Session.unpack` of an `auth.signIn` body
 *   sized to a 256-byte frame (adds JSON, schema validation, msg_id, replay window, seq_no, salt).
 * Both on the node backend (the relay) and the noble backend (browsers).
 */
import { randomBytes } from 'node:crypto'
import { keyId } from '../../sdk/crypto/mtproto2.js'
import { nobleProvider } from '../../sdk/crypto/noble.js'
import { nodeProvider } from '../../sdk/crypto/node.js'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { buildPlaintext, openFrame, sealFrame } from '../../sdk/protocol/frame.js'
import { Session } from '../../sdk/protocol/session.js'
import { FROM_CLIENT, FROM_RELAY } from '../../sdk/protocol/schemas/registry.js'
import { interleaved, type MeasureOptions } from '../measure.js'
import type { BenchRow } from './row.js'

const TARGET = 30_000

function frameCrypto(p: CryptoProvider): () => void {
  const authKey = new Uint8Array(randomBytes(256))
  const authKeyId = keyId(p, authKey)
  const header = { salt: randomBytes(8), sessionId: randomBytes(8), msgId: 7_300_000_000_000_000_000n, seqNo: 1 }
  const pt = buildPlaintext(header, new Uint8Array(randomBytes(200)), new Uint8Array(randomBytes(24))) // 256 B
  return () => {
    const frame = sealFrame(p, authKey, authKeyId, 0, pt)
    const opened = openFrame(p, authKey, authKeyId, 0, frame)
    if (!opened.ok) throw new Error(`bench: frame refused (${opened.code})`)
  }
}

function sessionPair(p: CryptoProvider): { run: () => void; frameBytes: number } {
  const authKey = new Uint8Array(randomBytes(256))
  const salt = new Uint8Array(randomBytes(8))
  const client = new Session({ role: 'client', bodies: FROM_RELAY, provider: p, now: Date.now, authKey: authKey.slice(), salt, paddingBlocks: 0, retainSent: 0 })
  const relay = new Session({ role: 'relay', bodies: FROM_CLIENT, provider: p, now: Date.now, authKey: authKey.slice(), salt })
  const body = { _: 'auth.signIn' as const, token: 'x'.repeat(160) }
  const frame = client.pack(body).frame
  if (!relay.unpack(frame).ok) throw new Error('bench: the relay refused the first frame')
  const frameBytes = frame.length
  return {
    frameBytes,
    run: () => {
      const r = relay.unpack(client.pack(body).frame)
      if (!r.ok) throw new Error(`bench: session refused a frame (${r.error.code})`)
    },
  }
}

export async function frameRows(opts: MeasureOptions): Promise<BenchRow[]> {
  const providers = [nodeProvider, nobleProvider]
  const pairs = providers.map(sessionPair)
  const rates = await interleaved(providers.flatMap((p, i) => [frameCrypto(p), pairs[i].run]), opts)
  const target = (v: number) => ({ text: `≥ ${TARGET.toLocaleString('en-US')}/s`, met: v >= TARGET })
  return providers.flatMap((p, i) => [
    { name: `256 B frame seal+open, ${p.name}`, unit: 'frames/s' as const, value: rates[2 * i], target: target(rates[2 * i]) },
    { name: `${pairs[i].frameBytes} B frame Session.pack+unpack, ${p.name}`, unit: 'frames/s' as const, value: rates[2 * i + 1], target: target(rates[2 * i + 1]) },
  ])
}
