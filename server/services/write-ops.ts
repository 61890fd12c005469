/**
 * The hot-path write operations of the relay and their results — what the gateway hands to the
 * group committer (`group-commit.ts`) for every `messages.send`, `messages.sendSecret`,
 * `messages.read` and `msgs_ack` (docs/PROTOCOL.md §2.7, §3). `checkOp` is the store's own last
 * line of validation; the gateway validates frames with the protocol schemas before this.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { MessageContent } from './render.js'
import type { CloudMessageJson, SecretInitJson } from './update-types.js'

/** Send a cloud message (`messages.send`). */
export interface SendOp {
  kind: 'send'
  from: number
  to: number
  /** 16 lowercase hex characters; `(from, randomId)` is stored once. */
  randomId: string
  content: MessageContent
  ttl?: number
  /** Session tag passed through to the sender's own update (see `Delivery.origin`). */
  origin?: string
}

/** Store a secret envelope for one device of a peer (`messages.sendSecret`, not ephemeral). */
export interface SendSecretOp {
  kind: 'sendSecret'
  from: number
  fromDevice: string
  to: number
  toDevice: string
  chatId: string
  randomId: string
  data: Uint8Array
  init?: SecretInitJson
  /** Files the envelope carries: shared with the recipient when the sender may read them. */
  fileIds?: string[]
  origin?: string
}

/** A device acked updates carrying these cloud messages (✔✔ for their senders). */
export interface DeliveredOp {
  kind: 'delivered'
  userId: number
  messageIds: number[]
  /**
   * `senders[i]` is the sender of `messageIds[i]`, as the relay itself pushed them to `userId`
   * (never taken from a client): the batch then moves the pointers without reading the messages.
   * Without it, the messages are looked up and only those addressed to `userId` count.
   */
  senders?: number[]
}

/** A device acked these secret envelopes: delete them and tell their senders. */
export interface AckSecretOp {
  kind: 'ackSecret'
  userId: number
  deviceId: string
  envelopeIds: number[]
}

/** `userId` read `peer`'s messages up to `maxId` (`messages.read`; ✅ for the peer). */
export interface ReadOp {
  kind: 'read'
  userId: number
  peer: number
  maxId: number
  origin?: string
}

/** Any write operation. */
export type WriteOp = SendOp | SendSecretOp | DeliveredOp | AckSecretOp | ReadOp

/** `send` result: the stored message and the sender's pts for it; `duplicate` on a resend. */
export interface SendResult {
  message: CloudMessageJson
  pts: number
  duplicate: boolean
}

/** `sendSecret` result. */
export interface SendSecretResult {
  id: number
  date: number
  duplicate: boolean
}

/** `delivered` / `ackSecret` result: how many items were acknowledged now. */
export interface AckResult {
  count: number
}

/** `read` result: the reader's pts and whether the pointer moved. */
export interface ReadResult {
  pts: number
  changed: boolean
}

/** The result type of an operation. */
export type ResultOf<O extends WriteOp> = O extends SendOp
  ? SendResult
  : O extends SendSecretOp
    ? SendSecretResult
    : O extends ReadOp
      ? ReadResult
      : AckResult

/** Per-operation outcome of a batch: one failed operation does not fail the others. */
export type WriteOutcome<O extends WriteOp = WriteOp> = { ok: true; value: ResultOf<O> } | { ok: false; error: MtChatError }

const HEX16 = /^[0-9a-f]{16}$/
const DEVICE = /^[A-Za-z0-9_-]{1,64}$/
const FILE_ID = /^[A-Za-z0-9_-]{1,64}$/
const MAX_SECRET = 256 * 1024
const MAX_IDS = 1024

const isId = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0

function bad(message: string): MtChatError {
  return new MtChatError('BAD_REQUEST', message)
}

/** Checks an operation's shape; returns the error or undefined. */
export function checkOp(op: WriteOp): MtChatError | undefined {
  switch (op.kind) {
    case 'send': {
      if (!isId(op.from) || !isId(op.to)) return bad('invalid user id')
      if (op.from === op.to) return bad('cannot send a message to yourself')
      if (!HEX16.test(op.randomId)) return bad('random_id must be 16 lowercase hex characters')
      const { text, file, reply_to } = op.content
      if ((text === undefined) === (file === undefined)) return bad('a message has exactly one of text or file')
      if (text !== undefined && (typeof text !== 'string' || text.length < 1 || text.length > 4096)) return bad('text must be 1..4096 characters')
      if (file !== undefined && !FILE_ID.test(file.file_id)) return bad('file.file_id is invalid')
      if (reply_to !== undefined && !isId(reply_to)) return bad('reply_to is invalid')
      if (op.ttl !== undefined && !(Number.isSafeInteger(op.ttl) && op.ttl > 0 && op.ttl <= 365 * 86_400)) return bad('ttl is invalid')
      return undefined
    }
    case 'sendSecret':
      if (!isId(op.from) || !isId(op.to)) return bad('invalid user id')
      if (!DEVICE.test(op.fromDevice) || !DEVICE.test(op.toDevice)) return bad('device_id is invalid')
      if (!HEX16.test(op.randomId) || !HEX16.test(op.chatId)) return bad('random_id and chat_id must be 16 lowercase hex characters')
      if (!(op.data instanceof Uint8Array) || op.data.length === 0 || op.data.length > MAX_SECRET) return bad('data must be 1..262144 bytes')
      if (op.fileIds && (op.fileIds.length > 16 || !op.fileIds.every((f) => FILE_ID.test(f)))) return bad('file_ids is invalid')
      return undefined
    case 'delivered':
      if (!isId(op.userId) || op.messageIds.length > MAX_IDS || !op.messageIds.every(isId)) return bad('invalid message ids')
      if (op.senders !== undefined && (op.senders.length !== op.messageIds.length || !op.senders.every(isId))) return bad('invalid message senders')
      return undefined
    case 'ackSecret':
      if (!isId(op.userId) || !DEVICE.test(op.deviceId) || op.envelopeIds.length > MAX_IDS || !op.envelopeIds.every(isId)) return bad('invalid envelope ids')
      return undefined
    case 'read':
      if (!isId(op.userId) || !isId(op.peer) || !isId(op.maxId)) return bad('invalid read receipt')
      if (op.userId === op.peer) return bad('cannot read your own chat with yourself')
      return undefined
    default:
      return bad('unknown operation')
  }
}
