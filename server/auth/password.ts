/**
 * Password hashing with scrypt (node:crypto; RFC 7914). Stored as
 * `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`, so the cost can rise later and old hashes still
 * verify (and are re-hashed on the next login). Verification compares in constant time; a login for
 * an unknown account verifies against a dummy hash so it takes the same time as a real one.
 * @module
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const R = 8
const P = 1
const KEY_LEN = 32

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN
  return new Promise((resolve, reject) =>
    // maxmem: scrypt needs 128·N·r bytes; node's default cap (32 MiB) is exactly N=2^15, r=8.
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** Hashes a password with cost 2^logN. */
export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, logN, R, P)
  return `scrypt$${logN}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`
}

function parse(stored: string): { logN: number; r: number; p: number; salt: Buffer; key: Buffer } | undefined {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored)
  if (!m) return undefined
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (logN < 1 || logN > 22 || r < 1 || p < 1) return undefined
  return { logN, r, p, salt: Buffer.from(m[4], 'base64'), key: Buffer.from(m[5], 'base64') }
}

/** True when `password` matches `stored`; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored)
  if (!h) return false
  const key = await derive(password, h.salt, h.logN, h.r, h.p)
  return key.length === h.key.length && timingSafeEqual(key, h.key)
}

/** True when `stored` was made with another cost than `logN` (re-hash after a good login). */
export function needsRehash(stored: string, logN: number): boolean {
  const h = parse(stored)
  return !h || h.logN !== logN || h.r !== R || h.p !== P
}

const dummies = new Map<number, Promise<string>>()

/** A hash of a random password at cost `logN`, to spend the same time on unknown accounts. */
export function dummyHash(logN: number): Promise<string> {
  let h = dummies.get(logN)
  if (!h) dummies.set(logN, (h = hashPassword(randomBytes(16).toString('hex'), logN)))
  return h
}
