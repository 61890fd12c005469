/**
 * Failed-login counters with lockout, per scope (an account's login name, or an IP). A fixed window
 * starts at the first failure; reaching the limit locks the scope for the lockout period and
 * restarts the count. The counter is bumped with one atomic upsert, so concurrent failures on
 * several relay nodes all count.
 * @module
 */
import { rawRows, type Db } from './db.js'

/** Window, limit and lockout, in milliseconds and counts. */
export interface LockoutPolicy {
  maxFailures: number
  windowMs: number
  lockoutMs: number
}

/** Milliseconds until the first locked scope of `scopes` unlocks, or 0 when none is locked. */
export async function lockedFor(db: Db, scopes: readonly string[], now: number): Promise<number> {
  const rows = await db('login_failures').whereIn('scope', scopes).where('locked_until', '>', now).select('locked_until')
  return rows.reduce((ms: number, r: { locked_until: number }) => Math.max(ms, Number(r.locked_until) - now), 0)
}

/** Counts a failure; returns the lock end (unix ms) when this failure locked the scope. */
export async function recordFailure(db: Db, scope: string, now: number, policy: LockoutPolicy): Promise<number | undefined> {
  const windowOpen = now - policy.windowMs
  const [row] = await rawRows<{ failures: number }>(
    db,
    `INSERT INTO login_failures (scope, failures, window_start, locked_until) VALUES (?, 1, ?, NULL)
     ON CONFLICT (scope) DO UPDATE SET
       failures = CASE WHEN login_failures.window_start <= ? THEN 1 ELSE login_failures.failures + 1 END,
       window_start = CASE WHEN login_failures.window_start <= ? THEN ? ELSE login_failures.window_start END
     RETURNING failures`,
    [scope, now, windowOpen, windowOpen, now],
  )
  if (Number(row.failures) < policy.maxFailures) return undefined
  const until = now + policy.lockoutMs
  await db('login_failures').where('scope', scope).update({ locked_until: until, failures: 0, window_start: now })
  return until
}

/** Forgets the failures of a scope (after a successful login or a password reset). */
export async function clearFailures(db: Db, scope: string): Promise<void> {
  await db('login_failures').where('scope', scope).del()
}

/** Deletes counters whose window and lock both ended before `before`. */
export async function purgeFailures(db: Db, before: number): Promise<number> {
  return db('login_failures')
    .where('window_start', '<', before)
    .andWhere((w) => w.whereNull('locked_until').orWhere('locked_until', '<', before))
    .del()
}
