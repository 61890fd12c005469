/**
 * Layer-1 service bodies (docs/PROTOCOL.md §2.7): acks, ping/pong, bad-message notifications and
 * salt announcements. Service messages carry an even seq_no and need no ack (§2.5).
 * @module
 */
import * as v from 'valibot'
import { bytes, date, u64, uint } from './common.js'

/** The bad_msg_notification codes of §2.4 (16 msg_id too low … 35 seq_no expected odd). */
export const BAD_MSG_NOTIFICATION_CODES = [16, 17, 18, 20, 32, 33, 34, 35] as const

/** Acknowledges the relay's content frames (the client sends it, batched within 200 ms). */
export const MsgsAckSchema = v.strictObject({
  _: v.literal('msgs_ack'),
  msg_ids: v.pipe(v.array(u64), v.minLength(1), v.maxLength(1024)),
})

/** Keep-alive / round-trip probe from the client. */
export const PingSchema = v.strictObject({ _: v.literal('ping'), ping_id: u64 })

/** The relay's answer to a ping; `msg_id` is the ping's. */
export const PongSchema = v.strictObject({ _: v.literal('pong'), msg_id: u64, ping_id: u64 })

/** A frame was authenticated but rejected by a msg_id or seq_no check. */
export const BadMsgNotificationSchema = v.strictObject({
  _: v.literal('bad_msg_notification'),
  bad_msg_id: u64,
  bad_msg_seqno: uint,
  error_code: v.picklist(BAD_MSG_NOTIFICATION_CODES),
})

/** A frame used a salt that is not valid now; re-send under a new msg_id with `new_server_salt`. */
export const BadServerSaltSchema = v.strictObject({
  _: v.literal('bad_server_salt'),
  bad_msg_id: u64,
  bad_msg_seqno: uint,
  error_code: v.literal(48),
  new_server_salt: bytes({ exact: 8 }),
})

/** One announced salt and its validity (unix ms). */
export const ServerSaltSchema = v.strictObject({ salt: bytes({ exact: 8 }), valid_since: date, valid_until: date })

/** The relay announces the current and upcoming salts (§2.6). */
export const ServerSaltsSchema = v.strictObject({
  _: v.literal('server_salts'),
  salts: v.pipe(v.array(ServerSaltSchema), v.minLength(1), v.maxLength(64)),
})

/** Acknowledgement of content frames. */
export type MsgsAck = v.InferOutput<typeof MsgsAckSchema>
/** Ping. */
export type Ping = v.InferOutput<typeof PingSchema>
/** Pong. */
export type Pong = v.InferOutput<typeof PongSchema>
/** bad_msg_notification. */
export type BadMsgNotification = v.InferOutput<typeof BadMsgNotificationSchema>
/** bad_server_salt. */
export type BadServerSalt = v.InferOutput<typeof BadServerSaltSchema>
/** One announced salt. */
export type ServerSalt = v.InferOutput<typeof ServerSaltSchema>
/** server_salts. */
export type ServerSalts = v.InferOutput<typeof ServerSaltsSchema>
