/**
 * Login-attempt tracking with lockout per account and per IP (issue 4: 5 failures within 15
 * minutes → locked 15 minutes → 429 with Retry-After). The account scope is the account id when
 * the login names an account (so switching between its username, email and phone does not buy more
 * guesses) and the normalized login otherwise: unknown names lock the same way, so lockouts do not
 * reveal which accounts exist. A
 * good login clears the account's counter but not the IP's: otherwise an attacker could reset
 * their IP counter by logging into an account of their own between guesses.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import { clearFailures, lockedFor, recordFailure, type LockoutPolicy } from '../store/login-failures.js'
import type { Store } from '../store/store.js'
import { normalizeLogin } from '../store/users.js'

/** The account scope of a login: the account id if it exists, else the normalized name. */
export function accountScope(login: string, userId: number | undefined): string {
  return userId === undefined ? `login:${normalizeLogin(login).value}` : `uid:${userId}`
}

/** Guards password logins. */
export class LoginGuard {
  /** The last attempt queued per account scope, settled or not (see {@link serialize}). */
  private readonly queues = new Map<string, Promise<void>>()

  constructor(private readonly deps: { store: Store; clock: Clock; account: LockoutPolicy; ip: LockoutPolicy }) {}

  /**
   * Runs one login attempt on `account` after the earlier ones of this process settled. `check`
   * then `fail` is a read and a later write: attempts running side by side would all pass the
   * check before the first failure is counted, so a burst could test any number of passwords.
   * Per process: behind several relay nodes a burst tests at most nodes × the limit.
   */
  serialize<T>(account: string, attempt: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(account) ?? Promise.resolve()).then(attempt)
    const settled = run.then(
      () => undefined,
      () => undefined,
    )
    this.queues.set(account, settled)
    void settled.then(() => {
      if (this.queues.get(account) === settled) this.queues.delete(account)
    })
    return run
  }

  private scopes(account: string, ip: string): { account: string; ip: string } {
    return { account: `acct:${account}`, ip: `ip:${ip}` }
  }

  private locked(ms: number): MtChatError {
    const retryAfter = Math.max(1, Math.ceil(ms / 1000))
    return new MtChatError('RATE_LIMITED', `too many failed logins; retry in ${retryAfter} s`, { details: { retryAfter } })
  }

  /** Throws RATE_LIMITED while the account (see {@link accountScope}) or the IP is locked. */
  async check(account: string, ip: string): Promise<void> {
    const s = this.scopes(account, ip)
    const ms = await lockedFor(this.deps.store.knex, [s.account, s.ip], this.deps.clock.now())
    if (ms > 0) throw this.locked(ms)
  }

  /** Counts a failure on both scopes; returns true when it locked one of them. */
  async fail(account: string, ip: string): Promise<boolean> {
    const s = this.scopes(account, ip)
    const now = this.deps.clock.now()
    const a = await recordFailure(this.deps.store.knex, s.account, now, this.deps.account)
    const i = await recordFailure(this.deps.store.knex, s.ip, now, this.deps.ip)
    return a !== undefined || i !== undefined
  }

  /** Clears the account's failures after a good login or a password reset. */
  async succeed(account: string): Promise<void> {
    await clearFailures(this.deps.store.knex, `acct:${account}`)
  }
}
