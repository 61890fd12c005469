/**
 * One-time codes repository (password reset, email/phone verification). Codes are stored as keyed
 * hashes; a new code for a purpose supersedes the previous one; `used_at` makes a code single-use
 * with a conditional update, so two concurrent uses cannot both succeed.
 * @module
 */
import type { Db } from './db.js'

/** What a code is for. */
export type OtpPurpose = 'reset' | 'verify'

/** An `otps` row. */
export interface OtpRow {
  id: number
  user_id: number
  purpose: OtpPurpose
  code_hash: string
  attempts: number
  created_at: number
  expires_at: number
  used_at: number | null
}

/** Stores a new code and retires older unused ones of the same purpose. */
export async function insertOtp(
  db: Db,
  o: { userId: number; purpose: OtpPurpose; codeHash: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await db('otps').where({ user_id: o.userId, purpose: o.purpose }).whereNull('used_at').update({ used_at: o.createdAt })
  await db('otps').insert({ user_id: o.userId, purpose: o.purpose, code_hash: o.codeHash, attempts: 0, created_at: o.createdAt, expires_at: o.expiresAt })
}

/** The newest code of a purpose (used or not; the caller checks). */
export async function latestOtp(db: Db, userId: number, purpose: OtpPurpose): Promise<OtpRow | undefined> {
  return db('otps').where({ user_id: userId, purpose }).orderBy('id', 'desc').first()
}

/**
 * Spends one of a code's `max` attempts before the code is compared; false when none is left.
 * One conditional update, so concurrent guesses cannot all read the same count and all be checked.
 */
export async function claimOtpAttempt(db: Db, id: number, max: number): Promise<boolean> {
  return (await db('otps').where('id', id).where('attempts', '<', max).increment('attempts', 1)) === 1
}

/** Marks a code used; false when it already was (single use under concurrency). */
export async function useOtp(db: Db, id: number, at: number): Promise<boolean> {
  return (await db('otps').where('id', id).whereNull('used_at').update({ used_at: at })) === 1
}

/** Deletes codes that expired before `before`. */
export async function purgeOtps(db: Db, before: number): Promise<number> {
  return db('otps').where('expires_at', '<', before).del()
}
