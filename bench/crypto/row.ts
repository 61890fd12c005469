/** One line of the crypto table: a figure of ours, the node:crypto ceiling next to it, a target. */
export interface BenchRow {
  /** What was measured. */
  name: string
  unit: 'MB/s' | 'ops/s' | 'frames/s' | 'ms'
  /** mt-chat's figure. */
  value: number
  /** The same work done by node:crypto directly (hardware AES, OpenSSL curves), when there is one. */
  ceiling?: { name: string; value: number }
  /** The target for this figure, and whether it is met. */
  target?: { text: string; met: boolean }
}

/** value / ceiling.value (for ms, lower is better, so ceiling / value). */
export function ratio(row: BenchRow): number | undefined {
  if (!row.ceiling) return undefined
  return row.unit === 'ms' ? row.ceiling.value / row.value : row.value / row.ceiling.value
}
