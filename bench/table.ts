/** Plain-text tables for the benchmark output (no dependencies, aligned columns). */

export type Cell = string | number | undefined

function format(v: Cell): string {
  if (v === undefined) return ''
  if (typeof v === 'string') return v
  if (!Number.isFinite(v)) return String(v)
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US')
  if (Math.abs(v) >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

/** Renders rows under a header; numbers right-aligned, text left-aligned. */
export function renderTable(header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.map((r) => r.map(format))]
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)))
  const numeric = header.map((_, c) => rows.every((r) => r[c] === undefined || typeof r[c] === 'number'))
  const line = (r: string[]) =>
    r.map((cell, c) => (numeric[c] ? (cell ?? '').padStart(widths[c]) : (cell ?? '').padEnd(widths[c]))).join('  ').trimEnd()
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')
}
