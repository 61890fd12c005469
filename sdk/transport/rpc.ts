/**
 * RPC bookkeeping for one connection (docs/PROTOCOL.md §3): each request's msg_id maps to the
 * promise of its caller until exactly one `rpc_result` or `rpc_error` names it (`req_msg_id`), its
 * timeout fires (TIMEOUT), or the connection ends (CONNECTION_CLOSED). A request refused with
 * `bad_server_salt` moves to the new msg_id it is re-sent under (§2.6).
 * @module
 */
import { BAD_MSG_CODES, MtChatError, type ErrorCode } from '../errors.js'
import type { RpcMethod, RpcRequest } from '../protocol/schemas/rpc.js'

/** A request waiting for its answer. */
export interface PendingCall {
  method: RpcMethod
  body: RpcRequest
  resolve(result: Record<string, unknown>): void
  reject(err: MtChatError): void
  /** Runs on the raw result before the caller resumes; its promise holds the frame's ack back. */
  onResult?: (result: Record<string, unknown>) => Promise<void> | void
  timer?: ReturnType<typeof setTimeout>
}

/** The requests in flight on one connection, by msg_id. */
export class PendingCalls {
  readonly #calls = new Map<bigint, PendingCall>()

  get size(): number {
    return this.#calls.size
  }

  add(msgId: bigint, call: PendingCall, timeoutMs: number): void {
    call.timer = setTimeout(() => {
      if (this.#calls.get(msgId) !== call) return
      this.#calls.delete(msgId)
      call.reject(new MtChatError('TIMEOUT', `${call.method}: no answer within ${timeoutMs} ms`, { op: call.method }))
    }, timeoutMs)
    this.#calls.set(msgId, call)
  }

  /** Removes and returns the call for `msgId` (its timeout is cancelled). */
  take(msgId: bigint): PendingCall | undefined {
    const call = this.#calls.get(msgId)
    if (!call) return undefined
    this.#calls.delete(msgId)
    clearTimeout(call.timer)
    return call
  }

  /** Moves a call to the msg_id it was re-sent under, keeping its deadline. */
  move(from: bigint, to: bigint): boolean {
    const call = this.#calls.get(from)
    if (!call) return false
    this.#calls.delete(from)
    this.#calls.set(to, call)
    return true
  }

  /** Rejects every call (connection lost or closed). */
  rejectAll(err: () => MtChatError): void {
    const calls = [...this.#calls.values()]
    this.#calls.clear()
    for (const c of calls) {
      clearTimeout(c.timer)
      c.reject(err())
    }
  }
}

/** An `rpc_error` as an MtChatError; a code this SDK does not know becomes INTERNAL (code kept in details). */
export function rpcError(method: string, error: { code: string; message: string; retry_after?: number }): MtChatError {
  const known = MtChatError.isCode(error.code)
  const details: Record<string, unknown> = {}
  if (error.retry_after !== undefined) details.retryAfter = error.retry_after
  if (!known) details.relayCode = error.code
  return new MtChatError(known ? (error.code as ErrorCode) : 'INTERNAL', error.message || undefined, { op: method, details })
}

const BY_NUMBER = new Map<number, ErrorCode>(Object.entries(BAD_MSG_CODES).map(([code, n]) => [n, code as ErrorCode]))

/** The error code of a `bad_msg_notification` number (16, 17, …). */
export function badMsgCode(n: number): ErrorCode {
  return BY_NUMBER.get(n) ?? 'SCHEMA_INVALID'
}
