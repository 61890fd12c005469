/**
 * The body registry of layer 1 (docs/PROTOCOL.md §2.5, §2.7, §3, §3.1): which `_` types exist,
 * which side may send each, whether it is a content or a service message, and `decodeBody`, the
 * one entry point that turns frame bytes into a typed, validated body.
 * @module
 */
import type * as v from 'valibot'
import { MtChatError } from '../../errors.js'
import { parseBody, validate } from './common.js'
import { RPC_PARAMS, RpcErrorSchema, RpcResultSchema, type RpcError, type RpcRequest, type RpcResult } from './rpc.js'
import {
  BadMsgNotificationSchema,
  BadServerSaltSchema,
  MsgsAckSchema,
  PingSchema,
  PongSchema,
  ServerSaltsSchema,
  type BadMsgNotification,
  type BadServerSalt,
  type MsgsAck,
  type Ping,
  type Pong,
  type ServerSalts,
} from './service.js'
import { UpdatesSchema, type Updates } from './updates.js'

/** Which end of a layer-1 connection sent something. */
export type Sender = 'client' | 'relay'

/** Content messages get an odd seq_no and are acked; service messages an even one (§2.5). */
export type Kind = 'content' | 'service'

/** A body the client sends: an RPC request or a service message. */
export type ClientBody = RpcRequest | MsgsAck | Ping | BadMsgNotification
/** A body the relay sends: an answer, an update push or a service message. */
export type RelayBody = RpcResult | RpcError | Updates | Pong | BadMsgNotification | BadServerSalt | ServerSalts
/** Any layer-1 body. */
export type Body = ClientBody | RelayBody
/** The `_` of any layer-1 body. */
export type BodyType = Body['_']
/** The bodies a side receives: the relay gets {@link ClientBody}, the client {@link RelayBody}. */
export type BodyFrom<S extends Sender> = S extends 'client' ? ClientBody : RelayBody

type SchemaMap = Record<string, v.GenericSchema>

/**
 * The bodies one side accepts: what `from` sends, by `_` type. A session is given the registry of
 * its peer ({@link FROM_RELAY} for a client, {@link FROM_CLIENT} for the relay), so a client build
 * carries no request schemas.
 */
export interface BodyRegistry<S extends Sender = Sender> {
  readonly from: S
  readonly schemas: SchemaMap
}

/** What the relay accepts: RPC requests and the client's service messages. */
export const FROM_CLIENT: BodyRegistry<'client'> = {
  from: 'client',
  schemas: { ...RPC_PARAMS, msgs_ack: MsgsAckSchema, ping: PingSchema, bad_msg_notification: BadMsgNotificationSchema },
}

/** What a client accepts: answers, update pushes and the relay's service messages. */
export const FROM_RELAY: BodyRegistry<'relay'> = {
  from: 'relay',
  schemas: {
    rpc_result: RpcResultSchema,
    rpc_error: RpcErrorSchema,
    updates: UpdatesSchema,
    pong: PongSchema,
    bad_msg_notification: BadMsgNotificationSchema,
    bad_server_salt: BadServerSaltSchema,
    server_salts: ServerSaltsSchema,
  },
}

const SERVICE_TYPES = new Set(['msgs_ack', 'ping', 'pong', 'bad_msg_notification', 'bad_server_salt', 'server_salts'])

let both: SchemaMap | undefined
/** Every body's schema, either side's (a combined view for tools and tests), made once. */
const allSchemas = (): SchemaMap => (both ??= { ...FROM_CLIENT.schemas, ...FROM_RELAY.schemas })

/** Every body type name of layer 1 (update items are in `UPDATE_TYPES`). */
export const BODY_TYPES = /* @__PURE__ */ (() => Object.keys(allSchemas()) as BodyType[])()

const own = (map: SchemaMap, type: string) => Object.prototype.hasOwnProperty.call(map, type)
/** The schemas `from` sends, or every body's when omitted. */
const schemasOf = (from?: Sender): SchemaMap => (from === 'client' ? FROM_CLIENT.schemas : from === 'relay' ? FROM_RELAY.schemas : allSchemas())

/**
 * Whether `type` is a service message (even seq_no, never acked) or content (odd seq_no). Unknown
 * types count as content: a request of a newer layer is the likeliest unknown body.
 * @example
 * ```ts
 * kindOf('msgs_ack') // 'service'
 * kindOf('messages.send') // 'content'
 * ```
 */
export function kindOf(type: string): Kind {
  return SERVICE_TYPES.has(type) ? 'service' : 'content'
}

/** True when `type` is a body `from` may send (any side when omitted). */
export function isBodyType(type: string, from?: Sender): type is BodyType {
  return own(schemasOf(from), type)
}

/** True when `type` is a body the registry's side may send. */
export function registryHas(registry: BodyRegistry, type: string): boolean {
  return own(registry.schemas, type)
}

function decodeIn(schemas: SchemaMap, value: { _: string }, from: Sender | undefined): unknown {
  const type = value._
  if (!own(schemas, type))
    throw new MtChatError('SCHEMA_UNKNOWN_TYPE', `unknown body type "${type.slice(0, 64)}"${from ? ` from the ${from}` : ''}`, {
      op: 'body.decode',
      details: { type: type.slice(0, 64) },
    })
  return validate(schemas[type], value, type)
}

/**
 * Validates an already-parsed JSON object as a body its registry's side sends (what a session
 * does with every frame).
 * @throws MtChatError SCHEMA_UNKNOWN_TYPE (a type that side may not send), SCHEMA_INVALID naming the field.
 */
export function decodeWith<S extends Sender>(registry: BodyRegistry<S>, value: { _: string }): BodyFrom<S> {
  return decodeIn(registry.schemas, value, registry.from) as BodyFrom<S>
}

/**
 * Validates an already-parsed JSON object as a body of its `_` type.
 * @throws MtChatError SCHEMA_UNKNOWN_TYPE (a type `from` may not send), SCHEMA_INVALID naming the field.
 */
export function decodeObject<S extends Sender | undefined = undefined>(
  value: { _: string },
  from?: S,
): S extends Sender ? BodyFrom<S> : Body {
  return decodeIn(schemasOf(from), value, from) as S extends Sender ? BodyFrom<S> : Body
}

/**
 * Decodes body bytes (UTF-8 JSON) into a typed, validated body.
 * @param from Restricts the accepted types to those this side sends.
 * @throws MtChatError SCHEMA_INVALID (not JSON, no `_`, or a field fails its schema; the message
 *   names the field) or SCHEMA_UNKNOWN_TYPE.
 * @example
 * ```ts
 * const body = decodeBody(bytes, 'client')
 * if (body._ === 'messages.send') console.log(body.peer, body.text)
 * ```
 */
export function decodeBody<S extends Sender | undefined = undefined>(
  data: Uint8Array,
  from?: S,
): S extends Sender ? BodyFrom<S> : Body {
  return decodeObject(parseBody(data), from)
}
