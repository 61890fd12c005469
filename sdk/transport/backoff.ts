/**
 * Reconnect delays: exponential backoff with full jitter (a random delay between 0 and
 * `min(max, base · 2^attempt)`), so a relay restart does not bring every client back at once.
 * @module
 */

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** First ceiling in ms (default 500). */
  baseMs?: number
  /** Largest ceiling in ms (default 30 000). */
  maxMs?: number
}

/** The delay before reconnect attempt `attempt` (0-based); `random` is in [0, 1). */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? 500
  const max = opts.maxMs ?? 30_000
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30))
  // Never 0: a floor of a tenth of the ceiling keeps a flapping relay from a busy loop.
  return Math.round(ceiling / 10 + random() * ceiling * 0.9)
}
