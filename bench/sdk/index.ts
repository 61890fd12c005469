/**
 * The `sdk` section of `npm run bench` (issue 5, "Performance"): secret messages encrypted +
 * decrypted per second per core, end-to-end secret message latency through a local relay
 * (p50/p99), and the time from `createClient` to the first message sent.
 */
import type { MeasureOptions } from '../measure.js'
import { type Cell, renderTable } from '../table.js'
import { endToEnd } from './end-to-end.js'
import { secretThroughput } from './secret-throughput.js'

const OPTIONS: MeasureOptions = { warmupMs: 200, roundMs: 300, rounds: 5 }

export async function run(): Promise<{ table: string; results: object }> {
  const throughput = await secretThroughput(OPTIONS)
  const e2e = await endToEnd()
  const rows: Cell[][] = [
    ...throughput.map((t) => [`secret message encrypt + decrypt (${t.backend})`, 'msgs/s per core', t.perSecond]),
    [`secret message end to end, p50 (${e2e.messages} sent one at a time)`, 'ms', e2e.p50],
    ['secret message end to end, p99', 'ms', e2e.p99],
    [`createClient → first secret message stored, p50 of ${e2e.firstSend.runs} fresh devices`, 'ms', e2e.firstSend.p50],
    ['createClient → first secret message stored, slowest', 'ms', e2e.firstSend.max],
  ]
  return { table: renderTable(['benchmark', 'unit', 'value'], rows), results: { throughput, endToEnd: e2e } }
}
