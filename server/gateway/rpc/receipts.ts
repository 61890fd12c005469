/**
 * `messages.read` (✅, through the group committer, docs/PROTOCOL.md §3) and `messages.typing`
 * (an ephemeral `update.typing` pushed to the peer's online sessions, never stored).
 * @module
 */
import { MtChatError } from '../../../sdk/errors.js'
import { existingUserIds } from '../../store/users.js'
import { me, type Handler } from './types.js'

/** `messages.read`. */
export const read: Handler<'messages.read'> = async (ctx, conn, req) => {
  const user = me(conn)
  const r = await ctx.services.writer.submit({ kind: 'read', userId: user.id, peer: req.peer, maxId: req.max_id, origin: conn.tag })
  return { pts: r.pts }
}

/** `messages.typing`. */
export const typing: Handler<'messages.typing'> = async (ctx, conn, req) => {
  const user = me(conn)
  if (req.peer === user.id) throw new MtChatError('BAD_REQUEST', 'a chat needs another user')
  if (!(await existingUserIds(ctx.store.reader, [req.peer])).has(req.peer)) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
  ctx.services.bus.publish([{ userId: req.peer, update: { _: 'update.typing', peer: user.id } }])
  return {}
}
