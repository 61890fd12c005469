/**
 * Periodic housekeeping (every minute, unref'd so it never keeps the process alive): delete
 * expired sessions, codes and lockout counters, incomplete uploads older than a day (with their
 * chunks), and cloud messages whose self-destruct timer ran out (telling both users).
 * @module
 */
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import { deleteFileRow, staleUploads } from '../store/files.js'
import { purgeFailures } from '../store/login-failures.js'
import { purgeOtps } from '../store/otps.js'
import { purgeSessions } from '../store/sessions.js'
import type { Store } from '../store/store.js'
import type { MessageService } from './messages.js'

const DAY = 86_400_000

/** What one run removed. */
export interface MaintenanceReport {
  sessions: number
  otps: number
  failures: number
  uploads: number
  expiredMessages: number
}

/** The housekeeping loop. */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined

  constructor(private readonly deps: { store: Store; clock: Clock; log: Logger; messages: MessageService; lockoutMs: number; intervalMs?: number }) {}

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.runOnce().catch((err: unknown) => this.deps.log.error({ err }, 'maintenance failed')).finally(() => (this.running = undefined))
    }, this.deps.intervalMs ?? 60_000)
    this.timer.unref()
  }

  /** Stops the loop and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** One pass. */
  async runOnce(): Promise<MaintenanceReport> {
    const { store, clock } = this.deps
    const now = clock.now()
    const db = store.knex
    const report: MaintenanceReport = {
      sessions: await purgeSessions(db, now - DAY),
      otps: await purgeOtps(db, now - DAY),
      failures: await purgeFailures(db, now - this.deps.lockoutMs - DAY),
      uploads: 0,
      expiredMessages: await this.deps.messages.expire(),
    }
    for (const id of await staleUploads(db, now - DAY, 100)) {
      await store.blobs.remove(id)
      await deleteFileRow(db, id)
      report.uploads++
    }
    return report
  }
}
