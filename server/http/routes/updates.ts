/**
 * `GET /v1/updates?pts=&limit=&device_id=` — `updates.getDifference` over plain HTTP, for
 * integrations and debugging; clients use the RPC (docs/PROTOCOL.md §3.1).
 * @module
 */
import { Router } from '@koa/router'
import * as v from 'valibot'
import { requireAuth } from '../../auth/middleware.js'
import type { AuthedContext, HttpDeps } from '../context.js'
import { intString, parse } from '../validate.js'

const DiffQuery = v.looseObject({
  pts: intString(0),
  limit: v.optional(intString(1, 500)),
  device_id: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1..64 of [A-Za-z0-9_-]'))),
})

/** Routes under /updates. */
export function updatesRouter(deps: HttpDeps): Router {
  const r = new Router()
  r.use('/updates', requireAuth(deps.services.auth))
  r.get('/updates', async (ctx) => {
    const q = parse(DiffQuery, ctx.query, 'query')
    ctx.body = await deps.services.updates.getDifference((ctx as unknown as AuthedContext).state.auth.user.id, { pts: q.pts, limit: q.limit, deviceId: q.device_id })
  })
  return r
}
