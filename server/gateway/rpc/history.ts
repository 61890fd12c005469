/**
 * `messages.history` and `messages.search` (docs/PROTOCOL.md §3) on the relay core's message
 * service, which scopes every query to the pair (me, peer). A page that would not fit one frame is
 * cut short (history then says `next_before` at the last message kept).
 * @module
 */
import { fitting, messageSize, RESULT_OVERHEAD } from './fit.js'
import { me, type Handler } from './types.js'

/** `messages.history`. */
export const history: Handler<'messages.history'> = async (ctx, conn, req) => {
  const r = await ctx.services.messages.history(me(conn).id, req.peer, { before: req.before, limit: req.limit })
  const n = fitting(r.messages, ctx.options.maxFrame - RESULT_OVERHEAD, messageSize)
  if (n < r.messages.length) return { messages: r.messages.slice(0, n), next_before: r.messages[n - 1].id }
  return { ...r }
}

/** `messages.search`. */
export const search: Handler<'messages.search'> = async (ctx, conn, req) => {
  const r = await ctx.services.messages.search(me(conn).id, req.peer, req.q, { limit: req.limit })
  return { messages: r.messages.slice(0, fitting(r.messages, ctx.options.maxFrame - RESULT_OVERHEAD, messageSize)) }
}
