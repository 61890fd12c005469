/**
 * RPC dispatch (docs/PROTOCOL.md §3): one handler per method, one file per area. Requests arrive
 * already validated by the protocol schemas (`session.unpack`), so handlers see typed params.
 * @module
 */
import type { RpcMethod, RpcRequest } from '../../../sdk/protocol/schemas/rpc.js'
import type { Connection } from '../connection.js'
import type { GatewayContext } from '../context.js'
import { signIn } from './auth.js'
import { deleteChat, deleteMessages } from './delete.js'
import { history, search } from './history.js'
import { subscribe } from './presence.js'
import { read, typing } from './receipts.js'
import { send, sendSecret } from './send.js'
import type { Handler, ResultJson } from './types.js'
import { getDifference, getState } from './updates.js'

const HANDLERS: { [M in RpcMethod]: Handler<M> } = {
  'auth.signIn': signIn,
  'updates.getState': getState,
  'updates.getDifference': getDifference,
  'messages.send': send,
  'messages.sendSecret': sendSecret,
  'messages.read': read,
  'messages.typing': typing,
  'messages.history': history,
  'messages.search': search,
  'messages.delete': deleteMessages,
  'messages.deleteChat': deleteChat,
  'presence.subscribe': subscribe,
}

/** Runs the handler of `req._`; a synchronous throw becomes a rejection. */
export function dispatch(ctx: GatewayContext, conn: Connection, req: RpcRequest): Promise<ResultJson> {
  try {
    return (HANDLERS[req._] as Handler<RpcMethod>)(ctx, conn, req)
  } catch (err) {
    return Promise.reject(err)
  }
}
