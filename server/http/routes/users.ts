/**
 * `/v1/me` and `/v1/users` (docs/PROTOCOL.md §6): the caller's account, user search/list with a
 * cursor, profiles and presence. All need a signed-in caller.
 * @module
 */
import { Router } from '@koa/router'
import * as v from 'valibot'
import { requireAuth } from '../../auth/middleware.js'
import { meJson } from '../../services/users.js'
import type { AuthedContext, HttpDeps } from '../context.js'
import { intString, parse } from '../validate.js'

const ListQuery = v.looseObject({
  q: v.optional(v.pipe(v.string(), v.maxLength(254))),
  cursor: v.optional(intString(0)),
  limit: v.optional(intString(1, 100)),
})

const IdParam = v.object({ id: intString(1) })
const IdOrNameParam = v.object({ idOrUsername: v.pipe(v.string(), v.regex(/^(\d{1,15}|[A-Za-z][A-Za-z0-9_]{2,31})$/, 'expected a user id or username')) })

/** Routes under /me and /users. */
export function usersRouter(deps: HttpDeps): Router {
  const r = new Router()
  const { users, auth } = deps.services
  r.use(['/me', '/users'], requireAuth(auth))

  r.get('/me', async (ctx) => {
    ctx.body = meJson(await auth.reload((ctx as unknown as AuthedContext).state.auth.user.id))
  })

  r.get('/users', async (ctx) => {
    const q = parse(ListQuery, ctx.query, 'query')
    ctx.body = await users.search({ q: q.q, cursor: q.cursor, limit: q.limit })
  })

  r.get('/users/:id/status', async (ctx) => {
    ctx.body = await users.status(parse(IdParam, ctx.params, 'params').id)
  })

  r.get('/users/:idOrUsername', async (ctx) => {
    ctx.body = await users.get(parse(IdOrNameParam, ctx.params, 'params').idOrUsername)
  })

  return r
}
