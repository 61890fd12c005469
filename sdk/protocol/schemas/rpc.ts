/**
 * RPC (docs/PROTOCOL.md §3): every method's request body and result, and the `rpc_result` /
 * `rpc_error` wrappers. A request is `{ _: method, ...params }`; its answer names the request by
 * `req_msg_id`. The wrapper's `result` is checked as an object on receipt; the caller, who knows
 * which method it called, validates it with {@link parseResult}.
 * @module
 */
import * as v from 'valibot'
import { MtChatError } from '../../errors.js'
import { date, deviceId, hex16, u64, uint, userId, validate } from './common.js'
import {
  CloudMessageSchema,
  EnvelopeDataSchema,
  FileIdSchema,
  FileRefSchema,
  MessageIdSchema,
  PresenceSchema,
  SecretInitSchema,
  TextSchema,
  UserSchema,
} from './types.js'
import { MAX_UPDATES, UpdateSchema } from './updates.js'

const method = <M extends string>(name: M) => v.literal(name)
const limit = (max: number) => v.optional(v.pipe(uint, v.minValue(1), v.maxValue(max)))
const pts = { pts: uint }
const messages = v.pipe(v.array(CloudMessageSchema), v.maxLength(MAX_UPDATES))

/** The request body of every RPC method (what the relay validates; a client build leaves it out). */
export const RPC_PARAMS = {
  'auth.signIn': v.strictObject({
    _: method('auth.signIn'),
    token: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)),
    device_id: v.optional(deviceId),
  }),
  'updates.getState': v.strictObject({ _: method('updates.getState') }),
  'updates.getDifference': v.strictObject({ _: method('updates.getDifference'), pts: uint, limit: limit(MAX_UPDATES) }),
  'messages.send': v.pipe(
    v.strictObject({
      _: method('messages.send'),
      peer: userId,
      random_id: hex16,
      text: v.optional(TextSchema),
      reply_to: v.optional(MessageIdSchema),
      file: v.optional(FileRefSchema),
      ttl: v.optional(uint),
    }),
    v.forward(
      v.partialCheck([['text'], ['file']], (m) => (m.text === undefined) !== (m.file === undefined), 'expected exactly one of text or file'),
      ['text'],
    ),
  ),
  'messages.sendSecret': v.strictObject({
    _: method('messages.sendSecret'),
    peer: userId,
    device_id: deviceId,
    chat_id: hex16,
    random_id: hex16,
    data: EnvelopeDataSchema,
    init: v.optional(SecretInitSchema),
    ephemeral: v.optional(v.boolean()),
    file_ids: v.optional(v.pipe(v.array(FileIdSchema), v.minLength(1), v.maxLength(16))),
  }),
  'messages.read': v.strictObject({ _: method('messages.read'), peer: userId, max_id: MessageIdSchema }),
  'messages.typing': v.strictObject({ _: method('messages.typing'), peer: userId }),
  'messages.history': v.strictObject({ _: method('messages.history'), peer: userId, before: v.optional(MessageIdSchema), limit: limit(100) }),
  'messages.search': v.strictObject({
    _: method('messages.search'),
    peer: userId,
    q: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
    limit: limit(100),
  }),
  'messages.delete': v.strictObject({
    _: method('messages.delete'),
    peer: userId,
    ids: v.pipe(v.array(MessageIdSchema), v.minLength(1), v.maxLength(100)),
    everyone: v.optional(v.boolean()),
  }),
  'messages.deleteChat': v.strictObject({ _: method('messages.deleteChat'), peer: userId, everyone: v.optional(v.boolean()) }),
  'presence.subscribe': v.strictObject({ _: method('presence.subscribe'), users: v.pipe(v.array(userId), v.minLength(1), v.maxLength(200)) }),
} as const

/** The result of every RPC method (what the client validates). */
export const RPC_RESULTS = {
  'auth.signIn': v.strictObject({
    user: UserSchema,
    device_id: deviceId,
    pts: uint,
    date,
    prekeys: v.strictObject({ count: uint, low: v.boolean() }),
  }),
  'updates.getState': v.strictObject({ pts: uint, date }),
  'updates.getDifference': v.strictObject({
    updates: v.pipe(v.array(UpdateSchema), v.maxLength(MAX_UPDATES)),
    pts: uint,
    more: v.boolean(),
  }),
  'messages.send': v.strictObject({ message: CloudMessageSchema, ...pts }),
  'messages.sendSecret': v.strictObject({ date, pts: v.optional(uint) }),
  'messages.read': v.strictObject(pts),
  'messages.typing': v.strictObject({}),
  'messages.history': v.strictObject({ messages, next_before: v.optional(MessageIdSchema) }),
  'messages.search': v.strictObject({ messages }),
  'messages.delete': v.strictObject(pts),
  'messages.deleteChat': v.strictObject(pts),
  'presence.subscribe': v.strictObject({ statuses: v.pipe(v.array(PresenceSchema), v.maxLength(200)) }),
} as const satisfies Record<keyof typeof RPC_PARAMS, v.GenericSchema>

/** The answer to a request; `result` is checked against the method with {@link parseResult}. */
export const RpcResultSchema = v.strictObject({
  _: v.literal('rpc_result'),
  req_msg_id: u64,
  result: v.record(v.string(), v.unknown()),
})

/** A request failed; `code` is an {@link ErrorCode} (a newer relay may send codes we do not know). */
export const RpcErrorSchema = v.strictObject({
  _: v.literal('rpc_error'),
  req_msg_id: u64,
  error: v.strictObject({
    code: v.pipe(v.string(), v.regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'expected an error code')),
    message: v.pipe(v.string(), v.maxLength(1024)),
    retry_after: v.optional(uint),
  }),
})


/** An RPC method name. */
export type RpcMethod = keyof typeof RPC_PARAMS
/** The request body of a method, `_` included. */
export type RpcRequest<M extends RpcMethod = RpcMethod> = M extends RpcMethod ? v.InferOutput<(typeof RPC_PARAMS)[M]> : never
/** The parameters of a method (its request body without `_`). */
export type RpcParams<M extends RpcMethod> = Omit<RpcRequest<M>, '_'>
/** The result of a method. */
export type RpcResultOf<M extends RpcMethod> = v.InferOutput<(typeof RPC_RESULTS)[M]>
/** The `rpc_result` wrapper. */
export type RpcResult = v.InferOutput<typeof RpcResultSchema>
/** The `rpc_error` wrapper. */
export type RpcError = v.InferOutput<typeof RpcErrorSchema>

/** Every method name. */
export const RPC_METHOD_NAMES = Object.keys(RPC_RESULTS) as RpcMethod[]

/** True when `name` is an RPC method. */
export function isRpcMethod(name: string): name is RpcMethod {
  return Object.prototype.hasOwnProperty.call(RPC_RESULTS, name)
}

/**
 * Validates the `result` of an `rpc_result` against the method that was called.
 * @throws MtChatError SCHEMA_INVALID naming the field; SCHEMA_UNKNOWN_TYPE for an unknown method.
 * @example
 * ```ts
 * const { pts } = parseResult('messages.read', answer.result)
 * ```
 */
export function parseResult<M extends RpcMethod>(name: M, value: unknown): RpcResultOf<M> {
  if (!isRpcMethod(name)) throw new MtChatError('SCHEMA_UNKNOWN_TYPE', `unknown RPC method "${String(name)}"`, { op: 'rpc.result' })
  return validate(RPC_RESULTS[name], value, `${name} result`) as RpcResultOf<M>
}

