/**
 * `auth.signIn` (docs/PROTOCOL.md §3): binds a user and device to the connection. The token is a
 * relay session token or a host-signed JWT (issue 4); the first call of a connection must be this
 * one. Repeated failures close the connection with 4003 (see `connection.ts`).
 * @module
 */
import { MtChatError } from '../../../sdk/errors.js'
import { userJson } from '../../services/users.js'
import type { Handler } from './types.js'

/** The device a client that does not name one signs in as. */
export const DEFAULT_DEVICE = 'default'

/** `auth.signIn`. */
export const signIn: Handler<'auth.signIn'> = async (ctx, conn, req) => {
  const ip = conn.transport.remote
  let who
  try {
    who = await ctx.services.auth.authenticate(req.token)
  } catch (err) {
    ctx.services.audit.record('ws.signin_failed', { ip, meta: { code: MtChatError.is(err) ? err.code : 'INTERNAL' } })
    throw err
  }
  const deviceId = req.device_id ?? DEFAULT_DEVICE
  const [state, prekeys] = await Promise.all([ctx.services.updates.getState(who.user.id), ctx.services.keys.prekeyStatus(who.user.id, deviceId)])
  conn.bind(who, deviceId, state.pts)
  ctx.services.audit.record('ws.signin', { userId: who.user.id, ip, meta: { method: who.via, device_id: deviceId, transport: conn.transport.kind } })
  return { user: userJson(who.user), device_id: deviceId, pts: state.pts, date: state.date, prekeys }
}
