/**
 * `messages.delete` and `messages.deleteChat` (docs/PROTOCOL.md §3) on the relay core's message
 * service: only the pair's messages, "for everyone" only one's own; both users' sessions get the
 * update (the caller's own session gets the result instead).
 * @module
 */
import { me, type Handler } from './types.js'

/** `messages.delete`. */
export const deleteMessages: Handler<'messages.delete'> = async (ctx, conn, req) => {
  const r = await ctx.services.messages.deleteMessages(me(conn).id, req.peer, req.ids, req.everyone ?? false, conn.tag)
  conn.notePts(r.pts)
  return r
}

/** `messages.deleteChat`. */
export const deleteChat: Handler<'messages.deleteChat'> = async (ctx, conn, req) => {
  const r = await ctx.services.messages.deleteChat(me(conn).id, req.peer, req.everyone ?? false, conn.tag)
  conn.notePts(r.pts)
  return r
}
