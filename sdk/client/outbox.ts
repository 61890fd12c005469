/**
 * The offline outbox: everything the client must send — messages, secret envelopes, receipts,
 * deletes — is first committed to storage (with the state change that produced it), then sent
 * in order whenever the connection is online, and removed in the same batch that records the
 * relay's answer. A reload or a crash in between re-sends it; the relay stores a repeated
 * random_id once (docs/PROTOCOL.md §3), so every message arrives exactly once.
 * @module
 */
import { MtChatError, type ErrorCode } from '../errors.js'
import type { StorageAdapter } from '../storage/types.js'
import type { Connection } from '../transport/connection.js'
import { S, pad, stored, type OutboxEntry } from './stores.js'
import { Tx } from './tx.js'

/** Codes after which a send is tried again later; anything else fails the entry for good. */
const TRANSIENT = new Set<ErrorCode>([
  'CONNECTION_CLOSED',
  'CONNECTION_FAILED',
  'TIMEOUT',
  'UNAVAILABLE',
  'INTERNAL',
  'RATE_LIMITED',
  'NOT_SIGNED_IN',
  'UNAUTHORIZED',
  'STORAGE_FAILED',
  'ABORTED',
])

/** Whether an error means "try again later" rather than "this can never be sent". */
export const isTransient = (err: unknown) => !MtChatError.is(err) || TRANSIENT.has(err.code)

/** What the outbox calls back with; each adds its writes to `tx`, committed with the removal. */
export interface OutboxHooks {
  sent(entry: OutboxEntry, result: unknown, tx: Tx): void | Promise<void>
  failed(entry: OutboxEntry, error: MtChatError, tx: Tx): void | Promise<void>
  error(err: MtChatError): void
}

/** The persisted send queue. */
export class Outbox {
  readonly #storage: StorageAdapter
  readonly #conn: Connection
  readonly #hooks: OutboxHooks
  readonly #inflight = new Set<string>()
  #last = 0
  #loaded: Promise<void> | undefined
  #running = false
  #again = false
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  /** Max requests in flight at once. */
  window = 64

  constructor(storage: StorageAdapter, conn: Connection, hooks: OutboxHooks) {
    this.#storage = storage
    this.#conn = conn
    this.#hooks = hooks
    conn.on('state', (s) => s.to === 'online' && this.kick())
  }

  /** Reads the last key so new entries sort after everything a previous run left. */
  init(): Promise<void> {
    return (this.#loaded ??= this.#storage.list(S.outbox, { reverse: true, limit: 1 }).then((rows) => {
      if (rows[0]) this.#last = Number(rows[0].key)
    }))
  }

  /** Adds an entry to `tx` under the next key; {@link Outbox.kick} after the commit sends it. */
  async add(tx: Tx, entry: OutboxEntry | ((key: string) => OutboxEntry)): Promise<string> {
    await this.init()
    // Time-based keys keep the order across reloads even when the outbox was empty in between.
    this.#last = Math.max(this.#last + 1, Date.now() * 1000)
    const key = pad(this.#last, 20)
    tx.set(S.outbox, key, stored(typeof entry === 'function' ? entry(key) : entry))
    tx.after(() => this.kick())
    return key
  }

  /** Entries still waiting, in order. */
  async pending(): Promise<{ key: string; entry: OutboxEntry }[]> {
    const rows = await this.#storage.list(S.outbox)
    return rows.map((r) => ({ key: r.key, entry: r.value as unknown as OutboxEntry }))
  }

  /** Removes an entry that has not gone out yet (e.g. a message deleted before it was sent). */
  async cancel(key: string, tx: Tx): Promise<boolean> {
    if (this.#inflight.has(key)) return false
    tx.delete(S.outbox, key)
    return true
  }

  /** Sends what is waiting, if online; safe to call any time. */
  kick(): void {
    if (this.#conn.state !== 'online') {
      this.#conn.ensureStarted() // something to send: connect (lazily) if nothing else has
      return
    }
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = true
    void this.#run().finally(() => {
      this.#running = false
    })
  }

  async #run(): Promise<void> {
    do {
      this.#again = false
      const rows = (await this.pending().catch(() => [])).filter((r) => !this.#inflight.has(r.key)).slice(0, this.window)
      if (rows.length === 0) return
      // Pipelined, in order on one connection: the relay handles requests in msg_id order.
      const results = await Promise.all(rows.map((r) => this.#send(r.key, r.entry)))
      if (results.includes('retry')) return
      if (results.length === this.window) this.#again = true
    } while (this.#again && this.#conn.state === 'online')
  }

  async #send(key: string, entry: OutboxEntry): Promise<'ok' | 'failed' | 'retry'> {
    this.#inflight.add(key)
    try {
      let result: unknown
      try {
        result = await this.#call(entry)
      } catch (err) {
        const e = MtChatError.is(err) ? err : new MtChatError('INTERNAL', String(err), { op: 'outbox', cause: err })
        if (isTransient(e)) {
          if (e.code === 'RATE_LIMITED') this.#retryLater((Number(e.details.retryAfter) || 1) * 1000)
          else if (this.#conn.state === 'online') this.#retryLater(2000) // a relay hiccup, not a lost connection
          return 'retry'
        }
        const tx = new Tx().delete(S.outbox, key)
        await this.#hooks.failed(entry, e, tx)
        await tx.commit(this.#storage)
        return 'failed'
      }
      const tx = new Tx().delete(S.outbox, key)
      await this.#hooks.sent(entry, result, tx)
      await tx.commit(this.#storage)
      return 'ok'
    } catch (err) {
      this.#hooks.error(MtChatError.is(err) ? err : new MtChatError('STORAGE_FAILED', String(err), { op: 'outbox', cause: err }))
      return 'retry'
    } finally {
      this.#inflight.delete(key)
    }
  }

  #call(entry: OutboxEntry): Promise<unknown> {
    const o = { waitOnline: false }
    switch (entry.kind) {
      case 'cloud':
        return this.#conn.call('messages.send', entry.params, o)
      case 'secret':
        return this.#conn.call('messages.sendSecret', entry.params, o)
      case 'read':
        return this.#conn.call('messages.read', entry.params, o)
      case 'delete':
        return this.#conn.call('messages.delete', entry.params, o)
      case 'deleteChat':
        return this.#conn.call('messages.deleteChat', entry.params, o)
    }
  }

  #retryLater(ms: number): void {
    if (this.#retryTimer) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.kick()
    }, ms)
  }

  /** Cancels timers (client shutdown). */
  stop(): void {
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
  }
}
