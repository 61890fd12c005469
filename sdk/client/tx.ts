/**
 * A unit of work for the client's storage: the writes that must land together (e.g. a secret
 * chat's new state, the outbox entry it produced and the history record of the message) go in
 * one atomic `batch`, and the events they cause fire only after that batch is committed — so the
 * app never sees a message the next reload would not show.
 * @module
 */
import { MtChatError } from '../errors.js'
import type { StorageAdapter, StorageOp, StoredValue } from '../storage/types.js'

/** Collects writes and after-commit effects; see {@link Tx.commit}. */
export class Tx {
  readonly ops: StorageOp[] = []
  readonly #after: (() => void)[] = []
  /** Whether {@link Tx.commit} ran. */
  committed = false

  set(store: string, key: string, value: StoredValue): this {
    this.ops.push({ op: 'set', store, key, value })
    return this
  }

  delete(store: string, key: string): this {
    this.ops.push({ op: 'delete', store, key })
    return this
  }

  /** Runs `fn` once the writes are committed (in registration order). */
  after(fn: () => void): this {
    this.#after.push(fn)
    return this
  }

  /** Writes everything in one batch, then runs the after-commit effects. */
  async commit(storage: StorageAdapter): Promise<void> {
    if (this.committed) throw new MtChatError('INVALID_STATE', 'transaction already committed', { op: 'storage.batch' })
    this.committed = true
    if (this.ops.length) {
      try {
        await storage.batch(this.ops)
      } catch (err) {
        throw MtChatError.is(err) ? err : new MtChatError('STORAGE_FAILED', 'storage batch failed', { op: 'storage.batch', cause: err })
      }
    }
    for (const fn of this.#after) fn()
  }
}

/** Serializes async work: each `run` starts after the previous one settled. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(fn)
    this.#tail = result.catch(() => undefined)
    return result
  }
}
