/**
 * Per-connection rate limits (DESIGN "Server": "per-connection rate limits"): a token bucket per
 * connection and kind of traffic. A request over the limit is answered with `rpc_error
 * RATE_LIMITED` and `retry_after`; a connection that keeps going over it is closed with 4008.
 * @module
 */

/** Rate and burst of one bucket. */
export interface RateSpec {
  /** Tokens added per second. */
  perSecond: number
  /** Bucket size: the most that may be spent at once. */
  burst: number
}

/**
 * A token bucket refilled continuously from a caller-supplied clock.
 * @example
 * ```ts
 * const bucket = new TokenBucket({ perSecond: 10, burst: 20 }, Date.now())
 * if (!bucket.take(Date.now())) reply({ code: 'RATE_LIMITED', retry_after: bucket.retryAfter(Date.now()) })
 * ```
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly spec: RateSpec,
    now: number,
  ) {
    if (!(spec.perSecond > 0) || !(spec.burst >= 1)) throw new RangeError(`rate limit expects perSecond > 0 and burst ≥ 1, got ${spec.perSecond}/${spec.burst}`)
    this.tokens = spec.burst
    this.last = now
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.last) / 1000) * this.spec.perSecond)
      this.last = now
    }
  }

  /** Spends `n` tokens if there are enough; false (and nothing spent) otherwise. */
  take(now: number, n = 1): boolean {
    this.refill(now)
    if (this.tokens < n) return false
    this.tokens -= n
    return true
  }

  /** Whole seconds until one token is available (at least 1). */
  retryAfter(now: number): number {
    this.refill(now)
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.spec.perSecond)))
  }
}

/**
 * Counts refusals in a sliding window to tell a burst from abuse: `hit` returns true once more
 * than `max` refusals fell within `windowMs`.
 */
export class AbuseCounter {
  private times: number[] = []

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Records a refusal at `now`; true when the connection should be closed. */
  hit(now: number): boolean {
    const from = now - this.windowMs
    let i = 0
    while (i < this.times.length && this.times[i] < from) i++
    if (i > 0) this.times.splice(0, i)
    this.times.push(now)
    return this.times.length > this.max
  }
}
