/**
 * A small in-memory fixed-window rate limiter (requests per key per window). Used for account
 * endpoints per IP and for key-bundle fetches per user — fetching consumes a peer's one-time
 * prekeys, so unlimited fetches would let anyone drain them. Per process: several nodes each
 * enforce their own window, which bounds abuse by nodes × limit.
 * @module
 */
import { MtChatError } from '../sdk/errors.js'
import type { Clock } from './clock.js'

/** Counts hits per key in fixed windows. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>()

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Counts a hit; throws RATE_LIMITED with `retryAfter` seconds when over the limit. */
  hit(key: string, op?: string): void {
    const now = this.clock.now()
    let w = this.windows.get(key)
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size > 100_000) this.sweep(now)
      w = { start: now, count: 0 }
      this.windows.set(key, w)
    }
    w.count++
    if (w.count > this.limit) {
      const retryAfter = Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000))
      throw new MtChatError('RATE_LIMITED', `too many requests; retry in ${retryAfter} s`, { op, details: { retryAfter } })
    }
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k)
  }
}
