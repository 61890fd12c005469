/**
 * AES-256-IGE throughput on 256 B and 1 MB, both directions: the compact table AES every backend
 * runs (`aes-ige-compact.ts`), the reference on noble's block (`aes-ige.ts`), and the CBC path
 * (hardware AES-256-CBC, node backend's encryption from 512 bytes), next to node:crypto
 * AES-256-CBC on the same buffer — the same sequential chaining on the same hardware AES, so the
 * practical ceiling. Targets (issue 3): encryption ≥ 0.25× CBC on 1 MB; decryption ≥ 60 MB/s.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { igeDecrypt, igeEncrypt } from '../../sdk/crypto/aes-ige.js'
import { igeDecryptCompact, igeEncryptCompact } from '../../sdk/crypto/aes-ige-compact.js'
import { igeEncryptCbc } from '../../sdk/crypto/node.js'
import { interleaved, type MeasureOptions } from '../measure.js'
import type { BenchRow } from './row.js'

function cbc(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = encrypt ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv)
  c.setAutoPadding(false)
  const out = c.update(data)
  c.final()
  return out
}

export async function igeRows(opts: MeasureOptions): Promise<BenchRow[]> {
  const key = randomBytes(32)
  const iv = randomBytes(32)
  const rows: BenchRow[] = []
  for (const [label, size] of [['256 B', 256], ['1 MB', 1 << 20]] as const) {
    const data = new Uint8Array(randomBytes(size))
    const mb = (rate: number) => (rate * size) / 1e6
    const [cbcEncRate, cbcDecRate, noble, viaCbc, dec, compactEnc, compactDec] = (
      await interleaved(
        [
          () => cbc(true, key, iv.subarray(0, 16), data),
          () => cbc(false, key, iv.subarray(0, 16), data),
          () => igeEncrypt(key, iv, data),
          () => igeEncryptCbc(key, iv, data),
          () => igeDecrypt(key, iv, data),
          () => igeEncryptCompact(key, iv, data),
          () => igeDecryptCompact(key, iv, data),
        ],
        opts,
      )
    ).map(mb)
    const cbcEnc = { name: 'AES-256-CBC encrypt', value: cbcEncRate }
    const cbcDec = { name: 'AES-256-CBC decrypt', value: cbcDecRate }
    const big = size === 1 << 20
    rows.push(
      { name: `IGE encrypt ${label}, compact tables`, unit: 'MB/s', value: compactEnc, ceiling: cbcEnc },
      { name: `IGE encrypt ${label}, noble block (reference)`, unit: 'MB/s', value: noble, ceiling: cbcEnc },
      {
        name: `IGE encrypt ${label}, CBC path (node)`,
        unit: 'MB/s',
        value: viaCbc,
        ceiling: cbcEnc,
        target: big ? { text: '≥ 0.25× CBC', met: viaCbc >= 0.25 * cbcEnc.value } : undefined,
      },
      {
        name: `IGE decrypt ${label}, compact tables`,
        unit: 'MB/s',
        value: compactDec,
        ceiling: cbcDec,
        target: big ? { text: '≥ 60 MB/s', met: compactDec >= 60 } : undefined,
      },
      { name: `IGE decrypt ${label}, noble block (reference)`, unit: 'MB/s', value: dec, ceiling: cbcDec },
    )
  }
  return rows
}
