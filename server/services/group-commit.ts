/**
 * Group commit for the hot path (DESIGN "Durability"): operations submitted during one event-loop
 * turn are written in one transaction (`write-batch.ts`), and operations that arrive while a
 * transaction is in flight form the next batch. Each submitter's promise settles only after the
 * commit, so "acked" means "on disk"; deliveries are published only then too.
 *
 * On SQLite one transaction is in flight at a time (one writer); on PostgreSQL a few run in
 * parallel (`concurrency`), since the per-user pts row locks order what must be ordered.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import type { RelayMetrics } from '../metrics/relay-metrics.js'
import type { Store } from '../store/store.js'
import type { UpdateBus } from './update-bus.js'
import { ResendFound, runBatch, type BatchResult } from './write-batch.js'
import type { ResultOf, WriteOp, WriteOutcome } from './write-ops.js'

interface Pending {
  op: WriteOp
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** Options of {@link GroupCommitter}. */
export interface GroupCommitOptions {
  /** Most operations per transaction (default 1000). */
  maxBatch?: number
  /** Transactions in flight at once (default 1 on SQLite, 4 on PostgreSQL). */
  concurrency?: number
}

/**
 * Batches writes into shared transactions.
 * @example
 * ```ts
 * const { message, pts } = await relay.writer.submit({ kind: 'send', from: 1, to: 2, randomId: 'a1b2c3d4e5f60718', content: { text: 'hi' } })
 * ```
 */
export class GroupCommitter {
  private queue: Pending[] = []
  private scheduled = false
  private inFlight = 0
  private closed = false
  private idle: Array<() => void> = []
  private readonly maxBatch: number
  private readonly concurrency: number
  /** Chat rows and users known to exist: neither is ever deleted, so what a commit saw can be remembered. */
  private readonly known = { chats: new Set<string>(), users: new Set<number>() }
  /**
   * Whether batches skip the lookup of stored resends (`runBatch`'s `assumeNew`). A batch that met
   * a resend turns it off, a careful batch without one turns it back on: a client that keeps
   * resending costs the careful path, never a rolled-back transaction per batch.
   */
  private assumeNew = true

  constructor(
    private readonly deps: { store: Store; clock: Clock; bus: UpdateBus; metrics?: RelayMetrics },
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000
    this.concurrency = options.concurrency ?? (deps.store.dialect === 'pg' ? 4 : 1)
  }

  /** Queues one operation; resolves with its result after the commit, rejects with its MtChatError. */
  submit<O extends WriteOp>(op: O): Promise<ResultOf<O>> {
    if (this.closed) return Promise.reject(new MtChatError('UNAVAILABLE', 'the relay is shutting down'))
    return new Promise<ResultOf<O>>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject })
      this.schedule()
    })
  }

  /** Writes `ops` in one transaction now (bypassing the queue); per-operation outcomes. */
  async commit(ops: readonly WriteOp[]): Promise<WriteOutcome[]> {
    if (this.closed) throw new MtChatError('UNAVAILABLE', 'the relay is shutting down')
    return this.run(ops)
  }

  /** Resolves once every queued and in-flight operation settled. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  /** Refuses new operations and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true
    await this.drain()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    // setImmediate runs after this turn's I/O callbacks: every frame read in this turn is batched.
    setImmediate(() => {
      this.scheduled = false
      this.pump()
    })
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch)
      this.inFlight++
      void this.run(batch.map((p) => p.op)).then(
        (outcomes) => this.settle(batch, (i) => outcomes[i]),
        (err) => {
          const error = MtChatError.is(err) ? err : new MtChatError('UNAVAILABLE', 'storage failed; nothing was stored', { cause: err, expose: true })
          this.settle(batch, () => ({ ok: false, error }))
        },
      )
    }
  }

  /**
   * A batch committed (or failed): the next transaction starts first, then the submitters hear.
   * Settling is the expensive half of a cycle — every resolved promise continues into its caller,
   * which on the gateway encrypts an `rpc_result` — and it all runs in this one turn. Started
   * after it, the next BEGIN was issued only once every answer was encrypted (~5 ms after the
   * commit with 250 answers, traced under the relay bench); started before, ~0.2 ms after. The
   * deliveries of this batch were published inside `run`, before the next one can commit, so
   * pushes stay in pts order.
   */
  private settle(batch: readonly Pending[], outcome: (i: number) => WriteOutcome): void {
    this.inFlight--
    if (this.queue.length > 0) this.pump()
    for (let i = 0; i < batch.length; i++) {
      const o = outcome(i)
      if (o.ok) batch[i].resolve(o.value)
      else batch[i].reject(o.error)
    }
    if (this.inFlight === 0 && this.queue.length === 0) for (const f of this.idle.splice(0)) f()
  }

  private async run(ops: readonly WriteOp[]): Promise<WriteOutcome[]> {
    const { store, clock, bus, metrics } = this.deps
    const stop = metrics?.commitDuration.startTimer()
    const attempt = (assumeNew: boolean): Promise<BatchResult> => store.transaction((trx) => runBatch(trx, store.cipher, ops, clock.now(), this.known, assumeNew))
    const optimistic = this.assumeNew
    let result: BatchResult
    try {
      result = await attempt(optimistic)
    } catch (err) {
      if (!(err instanceof ResendFound)) throw err
      this.assumeNew = false
      result = await attempt(false)
    }
    if (!optimistic && result.resends === 0) this.assumeNew = true
    stop?.()
    const { chats, users } = this.known
    if (chats.size > 200_000) chats.clear()
    if (users.size > 200_000) users.clear()
    for (const c of result.chats) chats.add(c)
    for (const u of result.users) users.add(u)
    metrics?.commitBatchSize.observe(undefined, ops.length)
    if (result.stored.cloud) metrics?.messagesStored.inc({ kind: 'cloud' }, result.stored.cloud)
    if (result.stored.secret) metrics?.messagesStored.inc({ kind: 'secret' }, result.stored.secret)
    bus.publish(result.deliveries)
    return result.outcomes
  }
}
