/**
 * File cipher throughput (docs/PROTOCOL.md §5) on an in-memory file fed in 64 KiB pieces, next to
 * node:crypto AES-256-GCM over the same 64 KiB chunks (one cipher per chunk, as the format needs)
 * — and, for the variant that also hashes the plaintext, next to GCM + SHA-256 done the same way.
 * Target (issue 3): file cipher ≥ 0.8× node:crypto GCM.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { FileDecryptor, FileEncryptor, newFileKey } from '../../sdk/crypto/file-cipher.js'
import { nobleProvider } from '../../sdk/crypto/noble.js'
import { nodeProvider } from '../../sdk/crypto/node.js'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { withWebCrypto } from '../../sdk/crypto/webcrypto.js'
import { megabytesPerSecond, type MeasureOptions } from '../measure.js'
import type { BenchRow } from './row.js'

const SIZE = 8 << 20
const CHUNK = 65536

function pieces(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let off = 0; off < data.length; off += CHUNK) out.push(data.subarray(off, off + CHUNK))
  return out
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const c of source) out.push(c)
  return out
}

function gcmChunks(key: Uint8Array, prefix: Uint8Array, data: Uint8Array, hash: boolean): void {
  const nonce = Buffer.alloc(12)
  nonce.set(prefix)
  const h = hash ? createHash('sha256') : undefined
  const n = Math.ceil(data.length / CHUNK)
  for (let i = 0; i < n; i++) {
    const chunk = data.subarray(i * CHUNK, (i + 1) * CHUNK)
    h?.update(chunk)
    nonce.writeUInt32BE(i, 8)
    const c = createCipheriv('aes-256-gcm', key, nonce)
    c.setAAD(Uint8Array.of(i === n - 1 ? 1 : 0))
    c.update(chunk)
    c.final()
    c.getAuthTag()
  }
  h?.digest()
}

function gcmOpenChunks(key: Uint8Array, prefix: Uint8Array, sealed: Uint8Array[], hash: boolean): void {
  const nonce = Buffer.alloc(12)
  nonce.set(prefix)
  const h = hash ? createHash('sha256') : undefined
  sealed.forEach((chunk, i) => {
    nonce.writeUInt32BE(i, 8)
    const d = createDecipheriv('aes-256-gcm', key, nonce)
    d.setAAD(Uint8Array.of(i === sealed.length - 1 ? 1 : 0))
    d.setAuthTag(chunk.subarray(chunk.length - 16))
    const plain = d.update(chunk.subarray(0, chunk.length - 16))
    h?.update(plain)
    d.final()
  })
  h?.digest()
}

export async function fileRows(opts: MeasureOptions): Promise<BenchRow[]> {
  const data = new Uint8Array(randomBytes(SIZE))
  const input = pieces(data)
  const fk = newFileKey(nodeProvider)
  const mb = `${SIZE >> 20} MiB`
  const gcm = { name: 'AES-256-GCM, 64 KiB chunks', value: await megabytesPerSecond(SIZE, () => gcmChunks(fk.key, fk.noncePrefix, data, false), opts) }
  const gcmSha = { name: 'GCM + SHA-256, 64 KiB chunks', value: await megabytesPerSecond(SIZE, () => gcmChunks(fk.key, fk.noncePrefix, data, true), opts) }
  const target = (v: number) => ({ text: '≥ 0.8× GCM', met: v >= 0.8 * gcm.value })
  const enc = (p: CryptoProvider, hash: boolean) => () => drain(new FileEncryptor(p, fk, { hash }).stream(input))
  const rows: BenchRow[] = []

  const plain = await megabytesPerSecond(SIZE, enc(nodeProvider, false), opts)
  rows.push({ name: `file encrypt ${mb}, node, no hash`, unit: 'MB/s', value: plain, ceiling: gcm, target: target(plain) })
  const hashed = await megabytesPerSecond(SIZE, enc(nodeProvider, true), opts)
  rows.push({ name: `file encrypt ${mb}, node, + SHA-256`, unit: 'MB/s', value: hashed, ceiling: gcmSha })
  rows.push({ name: `  (same, against GCM alone)`, unit: 'MB/s', value: hashed, ceiling: gcm, target: target(hashed) })

  const sealed = await drain(new FileEncryptor(nodeProvider, fk).stream(input))
  const gcmOpen = { name: 'AES-256-GCM decrypt, 64 KiB chunks', value: await megabytesPerSecond(SIZE, () => gcmOpenChunks(fk.key, fk.noncePrefix, sealed, false), opts) }
  const gcmOpenSha = { name: 'GCM decrypt + SHA-256', value: await megabytesPerSecond(SIZE, () => gcmOpenChunks(fk.key, fk.noncePrefix, sealed, true), opts) }
  const dec = (hash: boolean) => () => drain(new FileDecryptor(nodeProvider, fk, { hash, size: SIZE }).stream(sealed))
  const open = await megabytesPerSecond(SIZE, dec(false), opts)
  rows.push({ name: `file decrypt ${mb}, node, no hash`, unit: 'MB/s', value: open, ceiling: gcmOpen, target: { text: '≥ 0.8× GCM', met: open >= 0.8 * gcmOpen.value } })
  rows.push({ name: `file decrypt ${mb}, node, + SHA-256`, unit: 'MB/s', value: await megabytesPerSecond(SIZE, dec(true), opts), ceiling: gcmOpenSha })

  // The browser's path, as far as Node can show it: noble SHA-256, WebCrypto GCM (Node's is a
  // thread-pool job per chunk, slower than a browser's), and pure noble for insecure contexts.
  const small = { ...opts, rounds: 3 }
  rows.push({ name: `file encrypt ${mb}, noble+webcrypto, + SHA-256`, unit: 'MB/s', value: await megabytesPerSecond(SIZE, enc(withWebCrypto(nobleProvider), true), small), ceiling: gcm })
  rows.push({ name: `file encrypt ${mb}, noble, + SHA-256`, unit: 'MB/s', value: await megabytesPerSecond(SIZE, enc(nobleProvider, true), small), ceiling: gcm })
  return rows
}
