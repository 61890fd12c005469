/**
 * seq_no counters (docs/PROTOCOL.md §2.4, §2.5): `seq_no = 2·n + 1` for a content message and
 * `2·n` for a service message, `n` being the content messages the sender sent before on this
 * connection. The receiver knows the exact value it expects, so any gap, repeat or wrong parity
 * is caught: 35 expected odd, 34 expected even, 32 too low, 33 too high.
 * @module
 */
import type { Kind } from './schemas/registry.js'

/** The failures of {@link SeqNoExpectation.check}, in check order. */
export type SeqNoCode = 'SEQ_NO_EXPECTED_ODD' | 'SEQ_NO_EXPECTED_EVEN' | 'SEQ_NO_TOO_LOW' | 'SEQ_NO_TOO_HIGH'

/**
 * The sender's counter.
 * @example
 * ```ts
 * const out = new SeqNoCounter()
 * out.next('content') // 1
 * out.next('service') // 2
 * out.next('content') // 3
 * ```
 */
export class SeqNoCounter {
  #n = 0

  /** Content messages sent so far. */
  get contentCount(): number {
    return this.#n
  }

  /** The seq_no of the next message of `kind`; a content message advances the counter. */
  next(kind: Kind): number {
    if (kind === 'service') return 2 * this.#n
    return 2 * this.#n++ + 1
  }
}

/**
 * The receiver's exact expectation of the peer's counter.
 * @example
 * ```ts
 * const inc = new SeqNoExpectation()
 * inc.check(1, 'content') // undefined: fine
 * inc.accept('content')
 * inc.check(1, 'content') // 'SEQ_NO_TOO_LOW'
 * ```
 */
export class SeqNoExpectation {
  #n = 0

  /** Content messages accepted so far. */
  get contentCount(): number {
    return this.#n
  }

  /** The seq_no expected for the next message of `kind`. */
  expected(kind: Kind): number {
    return kind === 'content' ? 2 * this.#n + 1 : 2 * this.#n
  }

  /** `undefined` when `seqNo` is exactly the expected one for `kind`, else the failing check. */
  check(seqNo: number, kind: Kind): SeqNoCode | undefined {
    const odd = (seqNo & 1) === 1
    if (kind === 'content' && !odd) return 'SEQ_NO_EXPECTED_ODD'
    if (kind === 'service' && odd) return 'SEQ_NO_EXPECTED_EVEN'
    const expected = this.expected(kind)
    if (seqNo < expected) return 'SEQ_NO_TOO_LOW'
    if (seqNo > expected) return 'SEQ_NO_TOO_HIGH'
    return undefined
  }

  /** Records an accepted message of `kind`. */
  accept(kind: Kind): void {
    if (kind === 'content') this.#n++
  }
}
