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
import { interleaved, type MeasureOptions } from '../measure.js'
import type { BenchRow } from './row.js'

const SIZE = 8 << 20
const CHUNK = 65536

function pieces(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let off = 0; off < data.length; off += CHUNK) out.push(data.subarray(off, off + CHUNK))
  return out
}

/** Reads a stream to its end without keeping it (as an upload would), returning its length. */
async function consume(source: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0
  for await (const c of source) n += c.length
  return n
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
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
  const mb = (rate: number) => (rate * SIZE) / 1e6
  const label = `${SIZE >> 20} MiB`
  const enc = (p: CryptoProvider, hash: boolean) => () => consume(new FileEncryptor(p, fk, { hash, size: SIZE }).stream(input))
  const sealed = await collect(new FileEncryptor(nodeProvider, fk).stream(input))
  const dec = (hash: boolean) => () => consume(new FileDecryptor(nodeProvider, fk, { hash, size: SIZE }).stream(sealed))

  const [gcmRate, gcmShaRate, plain, hashed] = (
    await interleaved([() => gcmChunks(fk.key, fk.noncePrefix, data, false), () => gcmChunks(fk.key, fk.noncePrefix, data, true), enc(nodeProvider, false), enc(nodeProvider, true)], opts)
  ).map(mb)
  const [openRate, openShaRate, opened, openedHashed] = (
    await interleaved([() => gcmOpenChunks(fk.key, fk.noncePrefix, sealed, false), () => gcmOpenChunks(fk.key, fk.noncePrefix, sealed, true), dec(false), dec(true)], opts)
  ).map(mb)
  const gcm = { name: 'AES-256-GCM, 64 KiB chunks', value: gcmRate }
  const gcmSha = { name: 'GCM + SHA-256, 64 KiB chunks', value: gcmShaRate }
  const gcmOpen = { name: 'AES-256-GCM decrypt, 64 KiB chunks', value: openRate }
  const gcmOpenSha = { name: 'GCM decrypt + SHA-256', value: openShaRate }
  const target = (v: number, ceiling: number) => ({ text: '≥ 0.8× GCM', met: v >= 0.8 * ceiling })

  // The browser's path, as far as Node can show it: noble SHA-256 with WebCrypto GCM (in Node a
  // thread-pool job per chunk, slower than a browser's), and pure noble for insecure contexts.
  const [web, noble] = (await interleaved([enc(withWebCrypto(nobleProvider), true), enc(nobleProvider, true)], { ...opts, rounds: 3 })).map(mb)
  return [
    { name: `file encrypt ${label}, node, no hash`, unit: 'MB/s', value: plain, ceiling: gcm, target: target(plain, gcm.value) },
    { name: `file encrypt ${label}, node, + SHA-256`, unit: 'MB/s', value: hashed, ceiling: gcmSha },
    { name: '  (same, against GCM alone)', unit: 'MB/s', value: hashed, ceiling: gcm, target: target(hashed, gcm.value) },
    { name: `file decrypt ${label}, node, no hash`, unit: 'MB/s', value: opened, ceiling: gcmOpen, target: target(opened, gcmOpen.value) },
    { name: `file decrypt ${label}, node, + SHA-256`, unit: 'MB/s', value: openedHashed, ceiling: gcmOpenSha },
    { name: `file encrypt ${label}, noble+webcrypto, + SHA-256`, unit: 'MB/s', value: web, ceiling: gcm },
    { name: `file encrypt ${label}, noble, + SHA-256`, unit: 'MB/s', value: noble, ceiling: gcm },
  ]
}
