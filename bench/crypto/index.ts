/**
 * The `crypto` section of `npm run bench` (issue 3, "Performance"): AES-256-IGE, layer-1 frames,
 * the file cipher, X25519/Ed25519 and the safety number — each next to node:crypto doing the same
 * work (the practical ceiling), with the targets. Bounded to well under a minute.
 */
import type { MeasureOptions } from '../measure.js'
import { type Cell, renderTable } from '../table.js'
import { curveRows } from './curves.js'
import { fileRows } from './files.js'
import { frameRows } from './frame.js'
import { igeRows } from './ige.js'
import { type BenchRow, ratio } from './row.js'

const OPTIONS: MeasureOptions = { warmupMs: 250, roundMs: 150, rounds: 5 }

/** Runs the section; returns the printable table and the rows for bench/results/latest.json. */
export async function run(): Promise<{ table: string; results: { rows: BenchRow[] } }> {
  const rows = [
    ...(await igeRows(OPTIONS)),
    ...(await frameRows(OPTIONS)),
    ...(await fileRows(OPTIONS)),
    ...(await curveRows(OPTIONS)),
  ]
  const cells: Cell[][] = rows.map((r) => {
    const q = ratio(r)
    return [
      r.name,
      r.unit,
      r.value,
      r.ceiling?.name,
      r.ceiling?.value,
      q === undefined ? undefined : `${q.toFixed(2)}×`,
      r.target?.text,
      r.target === undefined ? undefined : r.target.met ? 'yes' : 'NO',
    ]
  })
  const table = renderTable(['benchmark', 'unit', 'mt-chat', 'node:crypto ceiling', 'ceiling', 'ratio', 'target', 'met'], cells)
  return { table, results: { rows } }
}
