/**
 * `presence.subscribe` (docs/PROTOCOL.md §3): the current presence of up to 200 users, and
 * `update.presence` pushes whenever one of them goes online or offline (see `hub.ts`).
 * @module
 */
import { MtChatError } from '../../../sdk/errors.js'
import { existingUserIds } from '../../store/users.js'
import { MAX_WATCHED } from '../hub.js'
import { me, type Handler } from './types.js'

/** `presence.subscribe`. */
export const subscribe: Handler<'presence.subscribe'> = async (ctx, conn, req) => {
  me(conn)
  const users = [...new Set(req.users)]
  const known = await existingUserIds(ctx.store.reader, users)
  if (known.size !== users.length) throw new MtChatError('PEER_NOT_FOUND', 'no such user', { details: { missing: users.filter((u) => !known.has(u)).slice(0, 10) } })
  if (!conn.watch(users)) throw new MtChatError('BAD_REQUEST', `a connection watches at most ${MAX_WATCHED} users`)
  return { statuses: await ctx.services.presence.statuses(users) }
}
