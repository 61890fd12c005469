/**
 * msg_id generation and validation (docs/PROTOCOL.md §2.4, §2.5).
 *
 * `msg_id ≈ unix time · 2^32`: the high 32 bits are seconds, the low 32 bits the fraction of a
 * second, with the two lowest bits replaced by the sender's role — client `0`, relay answer `1`,
 * relay push `3`. Strictly increasing per sender, so a receiver can reject anything not greater
 * than what it last accepted.
 * @module
 */
import type { Sender } from './schemas/registry.js'

/** What a msg_id's low two bits say about its frame. */
export type MsgIdKind = 'client' | 'answer' | 'push'

/** Low two bits per kind (§2.5). */
export const MSG_ID_BITS: Readonly<Record<MsgIdKind, number>> = { client: 0, answer: 1, push: 3 }

/** A msg_id may be at most this far ahead of the receiver's clock (ms). */
export const MSG_ID_MAX_FUTURE_MS = 30_000
/** A msg_id may be at most this far behind the receiver's clock (ms). */
export const MSG_ID_MAX_PAST_MS = 300_000

/** The failures of {@link checkMsgId}, in check order. */
export type MsgIdCode = 'MSG_ID_BAD_BITS' | 'MSG_ID_TOO_HIGH' | 'MSG_ID_TOO_OLD'

const TWO_32 = 2 ** 32
const LOW = 0xffffffffn

/** The relay's answers (low bits 1); everything else it sends is a push (3). */
const ANSWERS = new Set(['rpc_result', 'rpc_error', 'pong', 'bad_msg_notification', 'bad_server_salt'])

/** The msg_id kind of a body of type `type` sent by `sender`. */
export function msgIdKindOf(sender: Sender, type: string): MsgIdKind {
  if (sender === 'client') return 'client'
  return ANSWERS.has(type) ? 'answer' : 'push'
}

/** The msg_id for a unix time in ms, before the role bits are set. */
export function msgIdAt(ms: number): bigint {
  const seconds = Math.floor(ms / 1000)
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * TWO_32)
  return (BigInt(seconds) << 32n) | BigInt(fraction)
}

/** The unix time in ms a msg_id stands for. */
export function msgIdTime(msgId: bigint): number {
  return Number(msgId >> 32n) * 1000 + (Number(msgId & LOW) / TWO_32) * 1000
}

/**
 * Checks a received msg_id's role bits and time against the receiver's clock (§2.4), in order:
 * low bits (`sender` client ≡ 0 mod 4, relay ≡ 1 or 3), more than 30 s ahead, more than 300 s behind.
 * The order check against earlier frames is {@link ReplayWindow}'s.
 * @param now The receiver's idea of the relay's clock, unix ms.
 */
export function checkMsgId(msgId: bigint, now: number, sender: Sender): MsgIdCode | undefined {
  const bits = Number(msgId & 3n)
  if (sender === 'client' ? bits !== 0 : bits !== 1 && bits !== 3) return 'MSG_ID_BAD_BITS'
  const t = msgIdTime(msgId)
  if (t > now + MSG_ID_MAX_FUTURE_MS) return 'MSG_ID_TOO_HIGH'
  if (t < now - MSG_ID_MAX_PAST_MS) return 'MSG_ID_TOO_OLD'
  return undefined
}

/**
 * Generates a sender's msg_ids: time-based, strictly increasing across all kinds it sends, with
 * the role bits of each kind.
 * @example
 * ```ts
 * const ids = new MsgIdGenerator()
 * const a = ids.next(Date.now(), 'client') // a % 4n === 0n
 * ```
 */
export class MsgIdGenerator {
  #last = 0n

  /** The last msg_id handed out (0n before the first). */
  get last(): bigint {
    return this.#last
  }

  /** A new msg_id for time `now` (unix ms, offset applied) greater than every earlier one. */
  next(now: number, kind: MsgIdKind): bigint {
    let id = msgIdAt(now)
    if (id <= this.#last) id = this.#last + 1n
    // Round up to the kind's residue mod 4 (at most +3, so still time-faithful).
    id += BigInt((MSG_ID_BITS[kind] - Number(id & 3n) + 4) & 3)
    this.#last = id
    return id
  }
}
