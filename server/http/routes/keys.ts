/**
 * `/v1/keys` (docs/PROTOCOL.md §4.1, §6): publish the caller's device bundle (both signatures are
 * verified; a bad one is 400 SECRET_BAD_PREKEY_SIGNATURE), fetch a peer's bundle (consumes one
 * one-time prekey; rate-limited per caller), list a user's devices. The body schema is the SDK's
 * own `PublishBundleSchema`, so client and relay agree byte for byte.
 * @module
 */
import { Router } from '@koa/router'
import * as v from 'valibot'
import { PublishBundleSchema } from '../../../sdk/protocol/schemas/secret.js'
import { requireAuth } from '../../auth/middleware.js'
import { clientIp, type AuthedContext, type HttpDeps } from '../context.js'
import { intString, parse } from '../validate.js'

const UserParam = v.object({ userId: intString(1) })
const DeviceQuery = v.looseObject({ device: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1..64 of [A-Za-z0-9_-]'))) })

/** Routes under /keys. */
export function keysRouter(deps: HttpDeps): Router {
  const r = new Router()
  const { keys, auth } = deps.services
  r.use('/keys', requireAuth(auth))

  r.put('/keys', async (ctx) => {
    const body = parse(PublishBundleSchema, ctx.request.body, 'body')
    const { user } = (ctx as unknown as AuthedContext).state.auth
    ctx.body = await keys.publish(user.id, body, clientIp(ctx))
  })

  r.get('/keys/:userId/devices', async (ctx) => {
    ctx.body = await keys.devices(parse(UserParam, ctx.params, 'params').userId)
  })

  r.get('/keys/:userId', async (ctx) => {
    const { userId } = parse(UserParam, ctx.params, 'params')
    const { device } = parse(DeviceQuery, ctx.query, 'query')
    const { user } = (ctx as unknown as AuthedContext).state.auth
    ctx.body = await keys.fetchBundle(user.id, userId, device)
  })

  return r
}
