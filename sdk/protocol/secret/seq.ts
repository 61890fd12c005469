/**
 * Secret-chat sequence numbers (docs/PROTOCOL.md §4.4), as in Telegram secret chats.
 *
 * Each side counts raw `out` (messages it sent) and `in` (messages it accepted) from 0; on the wire
 * `out_seq_no = 2·out + x_out` and `in_seq_no = 2·in + x_in`, with (x_out, x_in) = (1, 0) for the
 * chat's initiator and (0, 1) for its responder. So the peer's out parity is our x_in and its in
 * parity our x_out, and a message can never be passed off as coming from the other side.
 *
 * This tracker only counts and buffers; it holds no keys. A message ahead of `in` waits in a bounded
 * buffer until the gap before it is filled; {@link SeqTracker.missing} names the range to ask for.
 * @module
 */
import { MtChatError } from '../../errors.js'

/** The chat role: the initiator started the chat (x = 0 for its envelopes, x_out = 1 for seq). */
export type SecretRole = 'initiator' | 'responder'

/** Default bound on buffered out-of-order messages. */
export const DEFAULT_MAX_BUFFERED = 256

/** Counters as persisted. */
export interface SeqCounters {
  /** Raw count of messages we sent. */
  out: number
  /** Raw count of messages we accepted, i.e. the peer's next raw out. */
  in: number
  /** Raw count of our messages the peer has acknowledged (its highest in_seq_no). */
  peerAcked: number
  /** Highest raw out we have authenticated from the peer, or −1. */
  highestSeen: number
}

/** Where a received message stands against our `in`. */
export type SeqPosition = 'next' | 'duplicate' | 'ahead' | 'overflow'

/** Raw numbers of a received message. */
export interface ReceivedSeq {
  rawOut: number
  rawIn: number
}

/** Sequence counters and the out-of-order buffer of one chat; `T` is what is buffered. */
export class SeqTracker<T> {
  readonly #xOut: 0 | 1
  readonly #xIn: 0 | 1
  readonly #max: number
  readonly #buffer = new Map<number, T>()
  #c: SeqCounters

  constructor(role: SecretRole, counters?: SeqCounters, maxBuffered = DEFAULT_MAX_BUFFERED) {
    this.#xOut = role === 'initiator' ? 1 : 0
    this.#xIn = role === 'initiator' ? 0 : 1
    this.#max = maxBuffered
    this.#c = counters ? { ...counters } : { out: 0, in: 0, peerAcked: 0, highestSeen: -1 }
  }

  /** A copy of the counters. */
  get counters(): SeqCounters {
    return { ...this.#c }
  }

  /** Raw number the next outgoing message gets. */
  get out(): number {
    return this.#c.out
  }

  /** Raw count of accepted messages. */
  get in(): number {
    return this.#c.in
  }

  /** Raw count of our messages the peer has acknowledged. */
  get peerAcked(): number {
    return this.#c.peerAcked
  }

  /** Wire seq numbers for the next outgoing message, and counts it as sent. */
  next(): { out_seq_no: number; in_seq_no: number; raw: number } {
    const raw = this.#c.out++
    return { out_seq_no: 2 * raw + this.#xOut, in_seq_no: 2 * this.#c.in + this.#xIn, raw }
  }

  /**
   * Checks a received message's wire numbers and records its acknowledgement.
   * @throws MtChatError SECRET_BAD_PARITY when a parity is the wrong side's or in_seq_no
   *   acknowledges more than we sent: the caller aborts the chat.
   */
  receive(outSeqNo: number, inSeqNo: number): ReceivedSeq {
    // The peer's x_out is our x_in and the other way round.
    if (outSeqNo % 2 !== this.#xIn || inSeqNo % 2 !== this.#xOut)
      throw new MtChatError('SECRET_BAD_PARITY', 'seq_no parity of the wrong side', {
        op: 'secret.seq',
        details: { outSeqNo, inSeqNo },
      })
    const rawIn = (inSeqNo - this.#xOut) / 2
    if (rawIn > this.#c.out)
      throw new MtChatError('SECRET_BAD_PARITY', 'in_seq_no acknowledges messages we never sent', {
        op: 'secret.seq',
        details: { inSeqNo, sent: this.#c.out },
      })
    const rawOut = (outSeqNo - this.#xIn) / 2
    if (rawIn > this.#c.peerAcked) this.#c.peerAcked = rawIn
    if (rawOut > this.#c.highestSeen) this.#c.highestSeen = rawOut
    return { rawOut, rawIn }
  }

  /** Where a message with `rawOut` stands: the next one, a duplicate, ahead (bufferable) or too far ahead. */
  position(rawOut: number): SeqPosition {
    if (rawOut < this.#c.in || this.#buffer.has(rawOut)) return 'duplicate'
    if (rawOut === this.#c.in) return 'next'
    return rawOut - this.#c.in < this.#max ? 'ahead' : 'overflow'
  }

  /** Keeps a message that came ahead of its turn. */
  hold(rawOut: number, item: T): void {
    if (this.position(rawOut) !== 'ahead') throw new RangeError(`seq ${rawOut} cannot be buffered now`)
    this.#buffer.set(rawOut, item)
  }

  /** Counts the next message as accepted. */
  accept(): void {
    this.#c.in++
  }

  /** The buffered message that is now next, if any (remove it, then {@link SeqTracker.accept} it). */
  takeNext(): T | undefined {
    const item = this.#buffer.get(this.#c.in)
    if (item !== undefined) this.#buffer.delete(this.#c.in)
    return item
  }

  /** Drops every buffered message (the chat ended). */
  clearBuffer(): void {
    this.#buffer.clear()
  }

  /** Buffered messages by raw out, ascending (for persistence). */
  buffered(): [number, T][] {
    return [...this.#buffer.entries()].sort((a, b) => a[0] - b[0])
  }

  /**
   * The range of the peer's messages we know are missing, as wire out_seq_no values for a
   * `resend { start, end }` (§4.4), or undefined when nothing is missing. It runs from our `in` to
   * the last missing message before the highest one seen, within the buffer bound.
   */
  missing(): { start: number; end: number } | undefined {
    const { in: first, highestSeen } = this.#c
    if (highestSeen < first) return undefined
    let last = Math.min(highestSeen, first + this.#max - 1)
    while (last >= first && this.#buffer.has(last)) last--
    if (last < first) return undefined
    return { start: 2 * first + this.#xIn, end: 2 * last + this.#xIn }
  }

  /**
   * Our raw numbers named by a peer's `resend { start, end }` (wire values of our out_seq_no).
   * @throws MtChatError SECRET_BAD_PARITY when the values have the wrong parity or name messages
   *   we never sent.
   */
  resendRange(start: number, end: number): { from: number; to: number } {
    if (start % 2 !== this.#xOut || end % 2 !== this.#xOut || end < start)
      throw new MtChatError('SECRET_BAD_PARITY', 'resend range has the wrong parity', { op: 'secret.seq', details: { start, end } })
    const from = (start - this.#xOut) / 2
    const to = (end - this.#xOut) / 2
    if (to >= this.#c.out)
      throw new MtChatError('SECRET_BAD_PARITY', 'resend asks for messages we never sent', {
        op: 'secret.seq',
        details: { start, end, sent: this.#c.out },
      })
    return { from, to }
  }
}
