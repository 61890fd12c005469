/**
 * Update sync (docs/PROTOCOL.md §3.1): the client keeps the highest `pts` it applied, in storage
 * and in the same batch as the update's effects, and after every (re)connect calls
 * `updates.getDifference(pts)` until `more` is false. Pushes that arrive meanwhile wait in a
 * buffer and are applied after the difference (skipping what it already covered), so updates
 * apply once, in pts order. Each update's frame is acked only after it is applied (the connection
 * holds the ack until the returned promise settles).
 * @module
 */
import { MtChatError } from '../errors.js'
import type { Update } from '../protocol/schemas/updates.js'
import type { StorageAdapter } from '../storage/types.js'
import type { Connection } from '../transport/connection.js'
import { S } from './stores.js'
import { Mutex, Tx } from './tx.js'

/**
 * Applies one update. `tx` already holds the new pts; the handler adds its writes and may commit
 * `tx` itself (e.g. inside a chat's lock); otherwise the sync commits it afterwards.
 */
export type UpdateHandler = (update: Update, tx: Tx) => Promise<void>

/** Keeps the local update state in step with the relay's. */
export class Sync {
  readonly #storage: StorageAdapter
  readonly #conn: Connection
  readonly #handle: UpdateHandler
  readonly #queue = new Mutex()
  #pts = 0
  #loaded: Promise<void> | undefined
  #syncing = true
  #buffer: { updates: Update[]; pts: number; done(): void; fail(e: unknown): void }[] = []
  #running: Promise<void> | undefined

  readonly #onError: (err: MtChatError) => void

  constructor(storage: StorageAdapter, conn: Connection, handle: UpdateHandler, onError: (err: MtChatError) => void) {
    this.#storage = storage
    this.#conn = conn
    this.#handle = handle
    this.#onError = onError
    conn.on('state', (s) => {
      if (s.to !== 'online') this.#syncing = true
    })
  }

  /** The highest pts applied. */
  get pts(): number {
    return this.#pts
  }

  init(): Promise<void> {
    return (this.#loaded ??= this.#storage.get<number>(S.meta, 'pts').then((p) => {
      this.#pts = p ?? 0
    }))
  }

  /** Runs the difference loop (call once online); concurrent calls share one run. */
  difference(): Promise<void> {
    return (this.#running ??= this.#difference().finally(() => {
      this.#running = undefined
    }))
  }

  async #difference(): Promise<void> {
    await this.init()
    this.#syncing = true
    for (let more = true; more; ) {
      const r = await this.#conn.call(
        'updates.getDifference',
        { pts: this.#pts, limit: 100 },
        { waitOnline: false, onResult: (res) => this.#apply((res as { updates: Update[] }).updates, (res as { pts: number }).pts) },
      )
      more = r.more
    }
    this.#syncing = false
    for (const b of this.#buffer.splice(0)) this.#apply(b.updates, b.pts).then(b.done, b.fail)
  }

  /** A pushed `updates` body: applied now, or after the running difference. */
  onPush(updates: Update[], pts: number): Promise<void> {
    const stored = updates.filter((u) => 'pts' in u)
    const ephemeral = updates.filter((u) => !('pts' in u))
    const now = ephemeral.length ? this.#apply(ephemeral, 0) : Promise.resolve()
    if (!this.#syncing) return Promise.all([now, this.#apply(stored, pts)]).then(() => undefined)
    if (stored.length === 0) return now
    return Promise.all([now, new Promise<void>((done, fail) => this.#buffer.push({ updates: stored, pts, done, fail }))]).then(() => undefined)
  }

  #apply(updates: Update[], pts: number): Promise<void> {
    return this.#queue.run(async () => {
      await this.init()
      for (const u of updates) {
        const upts = 'pts' in u ? u.pts : undefined
        if (upts !== undefined && upts <= this.#pts) continue // already applied (difference and push overlap)
        const tx = new Tx()
        if (upts !== undefined) tx.set(S.meta, 'pts', upts)
        try {
          await this.#handle(u, tx)
        } catch (err) {
          // Storage failures stop here (the frame stays unacked and comes again); anything else is
          // this update's own fault: reported, and skipped so it cannot block the ones after it.
          if (!MtChatError.is(err) || err.code === 'STORAGE_FAILED') throw err
          this.#onError(err)
          if (!tx.committed) {
            const skip = new Tx()
            if (upts !== undefined) skip.set(S.meta, 'pts', upts)
            await skip.commit(this.#storage)
          }
          if (upts !== undefined) this.#pts = upts
          continue
        }
        if (!tx.committed) await tx.commit(this.#storage)
        if (upts !== undefined) this.#pts = upts
      }
      if (pts > this.#pts) {
        // The relay's pts may pass updates meant for our other devices: nothing to apply there.
        await this.#storage.set(S.meta, 'pts', pts)
        this.#pts = pts
      }
    })
  }
}

