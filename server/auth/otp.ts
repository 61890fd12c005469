/**
 * One-time codes for password reset and for email/phone verification (issue 4): 6 digits, stored
 * as HMAC-SHA256 under a key derived from the server key (a leaked table cannot be brute-forced
 * offline the way a plain hash of a 6-digit code can), 10-minute TTL, single use, at most 5
 * attempts, and at most one new code per minute per account and purpose.
 * @module
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import type { Logger } from '../logger.js'
import { claimOtpAttempt, insertOtp, latestOtp, useOtp, type OtpPurpose } from '../store/otps.js'
import type { Store } from '../store/store.js'
import type { UserRow } from '../store/users.js'
import type { OtpChannel, OtpSender } from './senders/index.js'

/** Code lifetime. */
export const OTP_TTL_MS = 10 * 60 * 1000
/** Wrong attempts before a code is dead. */
export const OTP_MAX_ATTEMPTS = 5
/** Minimum time between two codes of one purpose. */
export const OTP_RESEND_MS = 60 * 1000

/** Where a code for `user` would go with `sender`, or undefined. */
export function otpDestination(user: UserRow, sender: OtpSender): { channel: OtpChannel; to: string } | undefined {
  if (user.email && sender.channels.has('email')) return { channel: 'email', to: user.email }
  if (user.phone && sender.channels.has('phone')) return { channel: 'phone', to: user.phone }
  if (sender.channels.has('console')) return { channel: 'console', to: user.username ?? user.email ?? user.phone ?? `#${user.id}` }
  return undefined
}

/** Issues and checks one-time codes. */
export class OtpService {
  constructor(private readonly deps: { store: Store; clock: Clock; log: Logger; sender: OtpSender | undefined; pepper: Uint8Array }) {}

  /** True when codes can be delivered at all. */
  get enabled(): boolean {
    return this.deps.sender !== undefined
  }

  private hash(userId: number, purpose: OtpPurpose, code: string): string {
    return createHmac('sha256', this.deps.pepper).update(`${userId}:${purpose}:${code}`).digest('hex')
  }

  /**
   * Creates a code and starts its delivery without waiting for it (so a request for an existing
   * account takes as long as one for an unknown account); a failed delivery is logged.
   * RATE_LIMITED if the previous code is less than a minute old; UNAVAILABLE without a sender or
   * a reachable destination.
   */
  async issue(user: UserRow, purpose: OtpPurpose): Promise<{ channel: OtpChannel; expires_at: number; delivered: Promise<void> }> {
    const sender = this.deps.sender
    const dest = sender && otpDestination(user, sender)
    if (!sender || !dest) throw new MtChatError('UNAVAILABLE', 'this relay cannot deliver codes to this account', { expose: true })
    const now = this.deps.clock.now()
    const prior = await latestOtp(this.deps.store.knex, user.id, purpose)
    if (prior && prior.used_at === null && now - Number(prior.created_at) < OTP_RESEND_MS) {
      const retryAfter = Math.ceil((Number(prior.created_at) + OTP_RESEND_MS - now) / 1000)
      throw new MtChatError('RATE_LIMITED', `a code was sent less than a minute ago; retry in ${retryAfter} s`, { details: { retryAfter } })
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    const expires_at = now + OTP_TTL_MS
    await insertOtp(this.deps.store.knex, { userId: user.id, purpose, codeHash: this.hash(user.id, purpose, code), createdAt: now, expiresAt: expires_at })
    const delivered = sender
      .send({ channel: dest.channel, to: dest.to, code, purpose, expiresAt: expires_at, userId: user.id })
      .catch((err: unknown) => this.deps.log.error({ err, userId: user.id, purpose, channel: dest.channel }, 'one-time code delivery failed'))
    return { channel: dest.channel, expires_at, delivered }
  }

  /** Consumes the current code of `purpose` if `code` matches; OTP_INVALID otherwise. */
  async verify(userId: number, purpose: OtpPurpose, code: string): Promise<void> {
    const db = this.deps.store.knex
    const row = await latestOtp(db, userId, purpose)
    const now = this.deps.clock.now()
    if (!row || row.used_at !== null) throw new MtChatError('OTP_INVALID', 'no valid code; request a new one')
    if (Number(row.expires_at) <= now) throw new MtChatError('OTP_INVALID', 'the code expired; request a new one')
    // Every check spends an attempt first (a right code too: it is used up anyway).
    if (row.attempts >= OTP_MAX_ATTEMPTS || !(await claimOtpAttempt(db, row.id, OTP_MAX_ATTEMPTS)))
      throw new MtChatError('OTP_INVALID', 'too many wrong attempts; request a new code')
    const want = Buffer.from(row.code_hash, 'hex')
    const got = Buffer.from(this.hash(userId, purpose, /^\d{6}$/.test(code) ? code : 'x'), 'hex')
    if (!timingSafeEqual(want, got)) throw new MtChatError('OTP_INVALID', 'the code is wrong')
    if (!(await useOtp(db, row.id, now))) throw new MtChatError('OTP_INVALID', 'the code was already used')
  }
}
