/**
 * The relay's notion of "now", injectable so tests can move time (OTP expiry, lockouts, session
 * expiry, JWT `exp`) without sleeping.
 * @module
 */

/** A source of the current time in unix milliseconds. */
export interface Clock {
  now(): number
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() }
