/**
 * X25519 and Ed25519 operations per second through the providers, next to node:crypto with its
 * KeyObjects created once (the ceiling: a provider takes raw bytes and must import them on every
 * call); and the safety-number computation of docs/PROTOCOL.md §4.7 (2 × 5200 SHA-512).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto'
import { safetyNumber } from '../../sdk/crypto/fingerprint.js'
import { nobleProvider } from '../../sdk/crypto/noble.js'
import { nodeProvider } from '../../sdk/crypto/node.js'
import { opsPerSecond, type MeasureOptions } from '../measure.js'
import type { BenchRow } from './row.js'

function raw(kind: 'x25519' | 'ed25519') {
  const { privateKey, publicKey } = generateKeyPairSync(kind as 'x25519')
  const jwk = privateKey.export({ format: 'jwk' })
  return {
    privateKey,
    publicKey,
    secret: new Uint8Array(Buffer.from(jwk.d!, 'base64url')),
    public: new Uint8Array(Buffer.from(jwk.x!, 'base64url')),
  }
}

export async function curveRows(opts: MeasureOptions): Promise<BenchRow[]> {
  const a = raw('x25519')
  const b = raw('x25519')
  const id = raw('ed25519')
  const msg = new Uint8Array(200)
  const sig = sign(null, msg, id.privateKey)
  const slow = { ...opts, rounds: 3 }
  const ceilings = {
    x25519: { name: 'diffieHellman, KeyObjects', value: await opsPerSecond(() => diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }), opts) },
    sign: { name: 'sign, KeyObject', value: await opsPerSecond(() => sign(null, msg, id.privateKey), opts) },
    verify: { name: 'verify, KeyObject', value: await opsPerSecond(() => verify(null, msg, id.publicKey, sig), opts) },
  }
  const rows: BenchRow[] = []
  for (const p of [nodeProvider, nobleProvider]) {
    const o = p === nobleProvider ? slow : opts
    rows.push(
      { name: `X25519 shared secret, ${p.name}`, unit: 'ops/s', value: await opsPerSecond(() => p.x25519(a.secret, b.public), o), ceiling: ceilings.x25519 },
      { name: `Ed25519 sign 200 B, ${p.name}`, unit: 'ops/s', value: await opsPerSecond(() => p.ed25519Sign(msg, id.secret), o), ceiling: ceilings.sign },
      { name: `Ed25519 verify 200 B, ${p.name}`, unit: 'ops/s', value: await opsPerSecond(() => p.ed25519Verify(sig, msg, id.public), o), ceiling: ceilings.verify },
    )
  }
  const keyA = nodeProvider.ed25519Keygen().publicKey
  const keyB = nodeProvider.ed25519Keygen().publicKey
  for (const p of [nodeProvider, nobleProvider])
    rows.push({ name: `safety number (2 × 5200 SHA-512), ${p.name}`, unit: 'ms', value: 1000 / (await opsPerSecond(() => safetyNumber(p, keyA, keyB), slow)) })
  return rows
}
