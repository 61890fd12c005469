/**
 * Relay session tokens: `mts_` + 32 random bytes (base64url). Only the SHA-256 of a token is
 * stored; a lookup hashes the presented token and compares the stored hash in constant time.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const TOKEN = /^mts_[A-Za-z0-9_-]{43}$/

/** A fresh session token. */
export function newSessionToken(): string {
  return `mts_${randomBytes(32).toString('base64url')}`
}

/** True when `s` has the shape of a relay session token (else it may be a host JWT). */
export function isSessionToken(s: string): boolean {
  return TOKEN.test(s)
}

/** SHA-256 of a token, hex (what the database stores). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Constant-time equality of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y)
}
