/**
 * The shape of an RPC handler (docs/PROTOCOL.md §3): the validated request in, the result's JSON
 * out (rejecting with an MtChatError whose code becomes the `rpc_error`).
 * @module
 */
import { MtChatError } from '../../../sdk/errors.js'
import type { RpcMethod, RpcRequest } from '../../../sdk/protocol/schemas/rpc.js'
import type { BoundUser, Connection } from '../connection.js'
import type { GatewayContext } from '../context.js'

/** A result as it goes on the wire (base64 strings, numbers). */
export type ResultJson = Record<string, unknown>

/** Handles one method. */
export type Handler<M extends RpcMethod> = (ctx: GatewayContext, conn: Connection, req: RpcRequest<M>) => Promise<ResultJson>

/** The signed-in user of `conn` (the connection checks before dispatch; this is the type guard). */
export function me(conn: Connection): BoundUser {
  const u = conn.user
  if (!u) throw new MtChatError('NOT_SIGNED_IN', 'sign in first', { expose: true })
  return u
}
