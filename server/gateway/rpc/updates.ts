/**
 * `updates.getState` and `updates.getDifference` (docs/PROTOCOL.md §3, §3.1): the offline queue.
 * The difference includes this device's secret envelopes; a page that would not fit one frame is
 * cut short and says `more`, with `pts` at its last update so the client continues from there.
 * The client's ack of the result delivers what it carries (see `connection.ts`).
 * @module
 */
import { fitting, RESULT_OVERHEAD, updateSize } from './fit.js'
import { me, type Handler } from './types.js'

/** `updates.getState`. */
export const getState: Handler<'updates.getState'> = async (ctx, conn) => {
  return ctx.services.updates.getState(me(conn).id)
}

/** `updates.getDifference`. */
export const getDifference: Handler<'updates.getDifference'> = async (ctx, conn, req) => {
  const user = me(conn)
  const diff = await ctx.services.updates.getDifference(user.id, { pts: req.pts, limit: req.limit, deviceId: user.deviceId })
  const n = fitting(diff.updates, ctx.options.maxFrame - RESULT_OVERHEAD, updateSize)
  if (n < diff.updates.length) {
    const updates = diff.updates.slice(0, n)
    return { updates, pts: updates[n - 1].pts, more: true }
  }
  conn.notePts(diff.pts)
  return { ...diff }
}
