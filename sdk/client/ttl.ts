/**
 * Self-destructing messages: a message with a TTL gets an expiry once its timer starts (the
 * recipient read it), indexed by time in the `ttl` store; one timer wakes for the earliest and
 * deletes everything due, on both sides, with a `deleted` event `{ by: 'ttl' }`.
 * @module
 */
import type { StorageAdapter } from '../storage/types.js'
import { S, pad, type MessageRecord } from './stores.js'
import { Tx, type Mutex } from './tx.js'

/** When a `ttl` key (`<expiresAt, zero-padded>:<random_id>`) is due. */
const dueAt = (key: string) => Number(key.slice(0, 16))

/**
 * Starts the self-destruct clock of `rec` (which the caller then writes to `historyKey`) if it
 * has a TTL and its clock is not running yet: sets `expiresAt` and indexes it in `tx`. Returns
 * whether it started (then re-arm the sweeper once `tx` is committed).
 */
export function startTtl(tx: Tx, historyKey: string, rec: MessageRecord, now: number): boolean {
  if (!rec.ttl || rec.expiresAt !== undefined) return false
  rec.expiresAt = now + rec.ttl * 1000
  tx.set(S.ttl, `${pad(rec.expiresAt)}:${rec.id}`, historyKey)
  return true
}

/** What the sweeper needs from the client. */
export interface TtlHooks {
  lock(key: string): Mutex
  removed(record: MessageRecord): void
  error(err: unknown): void
  now(): number
}

/** Deletes messages whose self-destruct time has come. */
export class TtlSweeper {
  readonly #storage: StorageAdapter
  readonly #hooks: TtlHooks
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor(storage: StorageAdapter, hooks: TtlHooks) {
    this.#storage = storage
    this.#hooks = hooks
  }

  /** (Re)arms the timer for the earliest expiry. */
  schedule(): void {
    if (this.#stopped) return
    void this.#storage
      .list<string>(S.ttl, { limit: 1 })
      .then((rows) => {
        clearTimeout(this.#timer)
        this.#timer = undefined
        if (!rows[0] || this.#stopped) return
        const at = dueAt(rows[0].key)
        const delay = Math.min(Math.max(0, at - this.#hooks.now()), 2 ** 31 - 1)
        this.#timer = setTimeout(() => void this.sweep().catch((e) => this.#hooks.error(e)), delay)
      })
      .catch((e) => this.#hooks.error(e))
  }

  /** Deletes everything due now, then re-arms. */
  async sweep(): Promise<void> {
    const now = this.#hooks.now()
    const due = (await this.#storage.list<string>(S.ttl)).filter((r) => dueAt(r.key) <= now)
    for (const d of due) {
      const rec = await this.#storage.get<MessageRecord & Record<string, never>>(S.history, d.value)
      const tx = new Tx().delete(S.ttl, d.key)
      if (!rec) {
        await tx.commit(this.#storage)
        continue
      }
      await this.#hooks.lock(`${rec.kind}:${rec.peer}`).run(async () => {
        tx.delete(S.history, d.value).delete(S.msgidx, rec.id)
        tx.after(() => this.#hooks.removed(rec))
        await tx.commit(this.#storage)
      })
    }
    this.schedule()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }
}
