/**
 * Operations endpoints, outside /v1: `/healthz` (the process serves requests), `/readyz` (the
 * database answers and the relay is not shutting down; 503 otherwise, so a load balancer drains
 * it) and `/metrics` (Prometheus text; bearer-protected when MT_METRICS_TOKEN is set).
 * @module
 */
import { Router } from '@koa/router'
import { timingSafeEqual } from 'node:crypto'
import { MtChatError } from '../../../sdk/errors.js'
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/registry.js'
import type { HttpDeps } from '../context.js'

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** /healthz, /readyz, /metrics. */
export function healthRouter(deps: HttpDeps): Router {
  const r = new Router()

  r.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store')
    ctx.body = { status: 'ok' }
  })

  r.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store')
    if (deps.lifecycle.shuttingDown) throw new MtChatError('UNAVAILABLE', 'the relay is shutting down', { expose: true })
    await deps.store.ping()
    ctx.body = { status: 'ready' }
  })

  r.get('/metrics', (ctx) => {
    const token = deps.config.metricsToken
    if (token) {
      const m = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))
      if (!m || !sameSecret(m[1], token)) {
        ctx.set('WWW-Authenticate', 'Bearer realm="metrics"')
        throw new MtChatError('UNAUTHORIZED', 'metrics need the metrics token')
      }
    }
    ctx.set('Cache-Control', 'no-store')
    ctx.type = PROMETHEUS_CONTENT_TYPE
    ctx.body = deps.metrics.registry.render()
  })

  return r
}
