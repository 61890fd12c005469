/**
 * X25519 and Ed25519 operations per second through the providers, next to node:crypto with its
 * KeyObjects created once (the ceiling: a provider takes raw bytes and must import them on every
 * call); and the safety-number computation of docs/PROTOCOL.md §4.7 (2 × 5200 SHA-512).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto'
import { safetyNumber } from '../../sdk/crypto/fingerprint.js'
import { nobleProvider } from '../../sdk/crypto/noble.js'
import { nodeProvider } from '../../sdk/crypto/node.js'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { interleaved, type MeasureOptions } from '../measure.js'
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
  const ops = [
    {
      name: 'X25519 shared secret',
      ceiling: { name: 'diffieHellman, KeyObjects', fn: () => diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }) },
      run: (p: CryptoProvider) => () => p.x25519(a.secret, b.public),
    },
    { name: 'Ed25519 sign 200 B', ceiling: { name: 'sign, KeyObject', fn: () => sign(null, msg, id.privateKey) }, run: (p: CryptoProvider) => () => p.ed25519Sign(msg, id.secret) },
    {
      name: 'Ed25519 verify 200 B',
      ceiling: { name: 'verify, KeyObject', fn: () => verify(null, msg, id.publicKey, sig) },
      run: (p: CryptoProvider) => () => p.ed25519Verify(sig, msg, id.public),
    },
  ]
  const rows: BenchRow[] = []
  for (const op of ops) {
    const [ceiling, node, noble] = await interleaved([op.ceiling.fn, op.run(nodeProvider), op.run(nobleProvider)], slow)
    const c = { name: op.ceiling.name, value: ceiling }
    rows.push({ name: `${op.name}, node`, unit: 'ops/s', value: node, ceiling: c }, { name: `${op.name}, noble`, unit: 'ops/s', value: noble, ceiling: c })
  }
  const keyA = nodeProvider.ed25519Keygen().publicKey
  const keyB = nodeProvider.ed25519Keygen().publicKey
  const [node, noble] = await interleaved([() => safetyNumber(nodeProvider, keyA, keyB), () => safetyNumber(nobleProvider, keyA, keyB)], slow)
  rows.push(
    { name: 'safety number (2 × 5200 SHA-512), node', unit: 'ms', value: 1000 / node },
    { name: 'safety number (2 × 5200 SHA-512), noble', unit: 'ms', value: 1000 / noble },
  )
  return rows
}
