/**
 * Our sent secret envelopes, kept by raw out position until the peer's in_seq_no shows they
 * arrived (docs/PROTOCOL.md §4.4): a resend repeats the EXACT bytes of the first time, never a
 * new encryption at the same position. Bounded: past `max` the oldest copies go first, and a
 * resend that needs one of those is SECRET_RESEND_UNAVAILABLE (the caller aborts the chat).
 * Every envelope handed out is a copy, so a caller changing its copy cannot change a resend.
 * @module
 */
import type { SecretEnvelope } from './outcomes.js'
import type { StoredEnvelope } from './session-state.js'

const copy = (e: StoredEnvelope): SecretEnvelope => ({ ...e, data: e.data.slice() })

/** The bounded store of sent envelopes of one chat. */
export class SentStore {
  readonly #max: number
  readonly #byRaw = new Map<number, StoredEnvelope>()

  constructor(max: number, entries: Iterable<[number, StoredEnvelope]> = []) {
    this.#max = max
    for (const [raw, e] of entries) this.#byRaw.set(raw, e)
  }

  /** Keeps the envelope sent at `raw` (raws only grow); returns a copy to hand out. */
  put(raw: number, envelope: StoredEnvelope): SecretEnvelope {
    this.#byRaw.set(raw, envelope)
    if (this.#byRaw.size > this.#max) this.#byRaw.delete(this.#byRaw.keys().next().value!)
    return copy(envelope)
  }

  /** A copy of the envelope sent at `raw`, if still kept. */
  get(raw: number): SecretEnvelope | undefined {
    const e = this.#byRaw.get(raw)
    return e && copy(e)
  }

  /**
   * Copies of the envelopes at raw positions `from..to` (inclusive), or the first position that is
   * no longer kept.
   */
  range(from: number, to: number): { envelopes: SecretEnvelope[] } | { missing: number } {
    const envelopes: SecretEnvelope[] = []
    for (let raw = from; raw <= to; raw++) {
      const e = this.#byRaw.get(raw)
      if (!e) return { missing: raw }
      envelopes.push(copy(e))
    }
    return { envelopes }
  }

  /** Drops what the peer acknowledged: every position below `acked`. */
  prune(acked: number): void {
    for (const raw of this.#byRaw.keys()) {
      if (raw >= acked) break
      this.#byRaw.delete(raw)
    }
  }

  /** Copies of everything kept, oldest first. */
  pending(): SecretEnvelope[] {
    return [...this.#byRaw.values()].map(copy)
  }

  /** The entries for the persisted state (not copies: serialized at once). */
  entries(): [number, StoredEnvelope][] {
    return [...this.#byRaw.entries()]
  }

  /** Forgets everything (the chat ended). */
  clear(): void {
    this.#byRaw.clear()
  }
}
