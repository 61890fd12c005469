/**
 * The receiver's replay window for msg_ids (docs/PROTOCOL.md §2.4, "msg_id ≤ the last accepted
 * msg_id, or seen in the window" → MSG_ID_TOO_LOW, bad_msg 16).
 *
 * Frames are accepted strictly in msg_id order, so `last` alone rejects every replay and every
 * reordering (Albrecht et al. 2022, attack 1). The bounded set of ids seen within the 300 s window
 * tells the two apart for local metrics — an exact duplicate of an accepted frame versus an older
 * frame arriving late — and is a second, independent guard should ordering ever be relaxed.
 * @module
 */
import { MSG_ID_MAX_PAST_MS, msgIdTime } from './msg-id.js'

/** Why a msg_id was refused: replay of an accepted frame, or an older frame out of order. */
export type ReplayReason = 'duplicate' | 'reordered'

/** Options of {@link ReplayWindow}. */
export interface ReplayWindowOptions {
  /** Most ids kept in the seen set (oldest dropped first). Default 1024. */
  maxSeen?: number
  /** Ids older than this (ms) before the newest accepted one leave the set. Default 300 000. */
  windowMs?: number
}

/**
 * Last accepted msg_id plus a bounded set of recently accepted ids.
 * @example
 * ```ts
 * const w = new ReplayWindow()
 * if (w.check(id) === undefined) w.accept(id)
 * ```
 */
export class ReplayWindow {
  #last = 0n
  readonly #seen = new Set<bigint>()
  readonly #maxSeen: number
  readonly #windowMs: number

  constructor(opts: ReplayWindowOptions = {}) {
    this.#maxSeen = opts.maxSeen ?? 1024
    this.#windowMs = opts.windowMs ?? MSG_ID_MAX_PAST_MS
    if (!Number.isInteger(this.#maxSeen) || this.#maxSeen < 1) throw new RangeError(`"maxSeen" expected a positive integer, got ${this.#maxSeen}`)
  }

  /** The last accepted msg_id (0n before the first). */
  get last(): bigint {
    return this.#last
  }

  /** How many ids the seen set holds now. */
  get size(): number {
    return this.#seen.size
  }

  /** `undefined` when `msgId` may be accepted, else why not. */
  check(msgId: bigint): ReplayReason | undefined {
    if (this.#seen.has(msgId)) return 'duplicate'
    if (msgId <= this.#last) return 'reordered'
    return undefined
  }

  /** Records `msgId` as accepted. Call only after {@link check} returned `undefined`. */
  accept(msgId: bigint): void {
    if (msgId <= this.#last) throw new RangeError(`msg_id ${msgId} is not greater than the last accepted ${this.#last}`)
    this.#last = msgId
    this.#seen.add(msgId)
    // Ids arrive in increasing order, so the set's insertion order is oldest first.
    const horizon = msgIdTime(msgId) - this.#windowMs
    for (const id of this.#seen) {
      if (this.#seen.size <= this.#maxSeen && msgIdTime(id) >= horizon) break
      this.#seen.delete(id)
    }
  }
}
