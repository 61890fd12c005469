/**
 * Timing for the benchmarks: warm up, then run batches of a function until a time budget is
 * spent, several rounds, and report the median round's rate. Median (not best) so one lucky round
 * on a shared machine does not set the figure; rounds are short so the whole section stays bounded.
 *
 * Rates are per second of this process's CPU time (user + system, all threads), not of wall time:
 * the targets are "per core", and on a shared machine wall time also counts the time other
 * processes held the core. For single-threaded work on an idle machine the two are the same;
 * work that runs on the thread pool (WebCrypto in Node) is charged for every core it used.
 */

export interface MeasureOptions {
  /** Warm-up time before measuring, ms (JIT, caches). Default 150. */
  warmupMs?: number
  /** CPU time per round, ms. Default 250. */
  roundMs?: number
  /** Rounds; the median is reported. Default 5. */
  rounds?: number
}

/** Runs `fn` (sync or async) repeatedly; returns its median rate in calls per second. */
export async function opsPerSecond(fn: () => unknown, options: MeasureOptions = {}): Promise<number> {
  const { warmupMs = 150, roundMs = 250, rounds = 5 } = options
  const isAsync = fn() instanceof Promise
  const run = async (n: number) => {
    if (isAsync) for (let i = 0; i < n; i++) await fn()
    else for (let i = 0; i < n; i++) fn()
  }
  // Calibrate a batch size that takes ~10 ms, warming up meanwhile.
  let batch = 1
  const warmEnd = performance.now() + warmupMs
  while (performance.now() < warmEnd) {
    const t = performance.now()
    await run(batch)
    if (performance.now() - t < 10) batch *= 2
  }
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    let calls = 0
    const start = process.cpuUsage()
    let usedMs = 0
    while (usedMs < roundMs) {
      await run(batch)
      calls += batch
      const d = process.cpuUsage(start)
      usedMs = (d.user + d.system) / 1000
    }
    rates.push((calls * 1000) / usedMs)
  }
  rates.sort((a, b) => a - b)
  return rates[Math.floor(rates.length / 2)]
}

/** MB/s (10^6 bytes) of a function that processes `bytes` per call. */
export async function megabytesPerSecond(bytes: number, fn: () => unknown, options?: MeasureOptions): Promise<number> {
  return ((await opsPerSecond(fn, options)) * bytes) / 1e6
}
