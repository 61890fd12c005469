/**
 * TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, ±1 step of drift) with the
 * otpauth library. The secret is sealed at rest with the storage key; a code is accepted once (the
 * last used step is recorded, RFC 6238 §5.2).
 * @module
 */
import * as OTPAuth from 'otpauth'

const PERIOD = 30

function totp(secretBase32: string, label = 'mt-chat'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: 'mt-chat', label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: OTPAuth.Secret.fromBase32(secretBase32) })
}

/** A new random 160-bit secret, base32. */
export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32
}

/** The `otpauth://` URI for authenticator apps (QR code). */
export function totpUri(secretBase32: string, label: string): string {
  return totp(secretBase32, label).toString()
}

/** The time step a valid `code` belongs to at `now` (unix ms), or undefined. */
export function checkTotp(secretBase32: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined
  const delta = totp(secretBase32).validate({ token: code, timestamp: now, window: 1 })
  return delta === null ? undefined : Math.floor(now / 1000 / PERIOD) + delta
}
