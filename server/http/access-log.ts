/**
 * Per-request bookkeeping: a request id, the access log line (method, route template, status,
 * duration — never bodies, headers or query strings, which may carry codes or search text), HTTP
 * metrics by route template, and the in-flight count that graceful shutdown waits for.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Middleware } from 'koa'
import type { Logger } from '../logger.js'
import type { RelayMetrics } from '../metrics/relay-metrics.js'

/** Counts requests in flight and lets shutdown wait until none is. */
export class InFlight {
  private n = 0
  private waiters: Array<() => void> = []

  get count(): number {
    return this.n
  }

  enter(): void {
    this.n++
  }

  leave(): void {
    this.n--
    if (this.n === 0) for (const w of this.waiters.splice(0)) w()
  }

  /** Resolves when no request is in flight, or after `timeoutMs`; true if it drained. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.n === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs)
      this.waiters.push(() => {
        clearTimeout(t)
        resolve(true)
      })
    })
  }
}

/** Access log + metrics + in-flight tracking. Mount first. */
export function accessLog(log: Logger, metrics: RelayMetrics, inFlight: InFlight): Middleware {
  return async (ctx, next) => {
    inFlight.enter()
    const started = process.hrtime.bigint()
    const id = randomUUID()
    ctx.set('X-Request-Id', id)
    try {
      await next()
    } finally {
      const route = (ctx as { routePath?: string; _matchedRoute?: string }).routePath ?? (ctx as { _matchedRoute?: string })._matchedRoute ?? (ctx.status === 404 ? 'unmatched' : ctx.path === '/' ? '/' : 'static')
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      metrics.httpRequests.inc({ method: ctx.method, route, status: ctx.status })
      metrics.httpDuration.observe({ method: ctx.method, route }, seconds)
      log.info({ reqId: id, method: ctx.method, route, status: ctx.status, ms: Math.round(seconds * 1000) }, 'http')
      // The body of a streamed download finishes after next(): leave when the response ends.
      if (ctx.res.writableFinished || ctx.res.destroyed) inFlight.leave()
      else {
        let left = false
        const done = () => {
          if (!left) {
            left = true
            inFlight.leave()
          }
        }
        ctx.res.once('finish', done)
        ctx.res.once('close', done)
      }
    }
  }
}
