/**
 * The audit log (issue 4): relay events with metadata only — sign-ins, failed logins, lockouts,
 * key publications, deletes, file shares, rejected frames. Never content, keys, codes or tokens:
 * `meta` takes only numbers, booleans and short strings, and callers pass ids and counts.
 *
 * Events are buffered and written in batches (every second or 200 events) so auditing never sits
 * on a request's critical path; `close()` flushes. If the database is down the buffer is capped and
 * the oldest events are dropped and counted rather than growing without bound.
 * @module
 */
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import type { RelayMetrics } from '../metrics/relay-metrics.js'
import { insertAudit, readAudit, type AuditRow } from '../store/audit.js'
import type { Store } from '../store/store.js'

/** Event names (dot-separated area.action). */
export type AuditEvent =
  | 'auth.register' | 'auth.login' | 'auth.login_failed' | 'auth.locked' | 'auth.logout' | 'auth.jwt' | 'auth.jwt_failed'
  | 'auth.verify' | 'auth.otp_sent' | 'auth.reset' | 'auth.totp_enabled' | 'auth.totp_disabled'
  | 'keys.publish' | 'keys.identity_changed' | 'keys.fetch'
  | 'message.delete' | 'chat.delete' | 'message.expired'
  | 'file.create' | 'file.share'
  | 'frame.rejected' | 'ws.closed' | 'ws.signin' | 'ws.signin_failed'

/** Metadata of an event: flat, non-secret facts. */
export type AuditMeta = Record<string, string | number | boolean | null>

const MAX_BUFFER = 10_000

/** Buffered writer and reader of the audit log. */
export class AuditLog {
  private buffer: Array<Omit<AuditRow, 'id'>> = []
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private dropped = 0

  constructor(private readonly deps: { store: Store; clock: Clock; log: Logger; metrics?: RelayMetrics }) {}

  /** Queues an event. */
  record(event: AuditEvent, fields: { userId?: number; ip?: string; meta?: AuditMeta } = {}): void {
    const meta = fields.meta ? JSON.stringify(fields.meta, (_k, v) => (typeof v === 'string' ? v.slice(0, 200) : v)) : null
    this.buffer.push({ at: this.deps.clock.now(), event, user_id: fields.userId ?? null, ip: fields.ip?.slice(0, 64) ?? null, meta })
    this.deps.metrics?.auditEvents.inc({ event })
    if (this.buffer.length > MAX_BUFFER) {
      this.dropped += this.buffer.length - MAX_BUFFER
      this.buffer.splice(0, this.buffer.length - MAX_BUFFER)
    }
    if (this.buffer.length >= 200) void this.flush()
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), 1000)
      this.timer.unref()
    }
  }

  /** Writes buffered events now. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    while (this.flushing) await this.flushing
    if (this.buffer.length === 0) return
    const rows = this.buffer
    this.buffer = []
    this.flushing = insertAudit(this.deps.store.knex, rows)
      .catch((err: unknown) => {
        this.deps.log.error({ err, events: rows.length }, 'audit log write failed; events kept for the next flush')
        this.buffer = [...rows, ...this.buffer].slice(-MAX_BUFFER)
      })
      .finally(() => (this.flushing = undefined))
    await this.flushing
    if (this.dropped) {
      this.deps.log.warn({ dropped: this.dropped }, 'audit events dropped while storage was unavailable')
      this.dropped = 0
    }
  }

  /** Events at or after `since` (unix ms), oldest first, streamed in pages. */
  async *export(since?: number): AsyncGenerator<AuditRow> {
    let afterId = 0
    for (;;) {
      const rows = await readAudit(this.deps.store.reader, { since, afterId, limit: 1000 })
      for (const r of rows) yield r
      if (rows.length < 1000) return
      afterId = rows[rows.length - 1].id
    }
  }

  async close(): Promise<void> {
    await this.flush()
  }
}

/** One JSONL line of `mt-chat-server export-audit`. */
export function auditJsonLine(r: AuditRow): string {
  return JSON.stringify({ id: r.id, at: new Date(r.at).toISOString(), event: r.event, user_id: r.user_id, ip: r.ip, meta: r.meta ? JSON.parse(r.meta) : null })
}
