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

/** A function under measurement, prepared for batched calls. */
interface Runner {
  run(n: number): Promise<void>
  batch: number
}

async function prepare(fn: () => unknown, warmupMs: number): Promise<Runner> {
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
  return { run, batch }
}

/** One round: calls per CPU-second over `roundMs` ms of CPU time. */
async function round(r: Runner, roundMs: number): Promise<number> {
  let calls = 0
  const start = process.cpuUsage()
  let usedMs = 0
  while (usedMs < roundMs) {
    await r.run(r.batch)
    calls += r.batch
    const d = process.cpuUsage(start)
    usedMs = (d.user + d.system) / 1000
  }
  return (calls * 1000) / usedMs
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Runs `fn` (sync or async) repeatedly; returns its median rate in calls per CPU-second. */
export async function opsPerSecond(fn: () => unknown, options: MeasureOptions = {}): Promise<number> {
  const { warmupMs = 150, roundMs = 250, rounds = 5 } = options
  const r = await prepare(fn, warmupMs)
  const rates: number[] = []
  for (let i = 0; i < rounds; i++) rates.push(await round(r, roundMs))
  return median(rates)
}

/**
 * Rates of several functions measured in interleaved rounds (a, b, c, a, b, c, …), so a change in
 * machine load during the run affects all alike and their ratios stay meaningful.
 */
export async function interleaved(fns: (() => unknown)[], options: MeasureOptions = {}): Promise<number[]> {
  const { warmupMs = 150, roundMs = 250, rounds = 5 } = options
  const runners: Runner[] = []
  for (const fn of fns) runners.push(await prepare(fn, warmupMs))
  const rates: number[][] = fns.map(() => [])
  for (let i = 0; i < rounds; i++) for (let j = 0; j < runners.length; j++) rates[j].push(await round(runners[j], roundMs))
  return rates.map(median)
}

/** MB/s (10^6 bytes) of a function that processes `bytes` per call. */
export async function megabytesPerSecond(bytes: number, fn: () => unknown, options?: MeasureOptions): Promise<number> {
  return ((await opsPerSecond(fn, options)) * bytes) / 1e6
}
