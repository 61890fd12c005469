/**
 * Parsing of key material given in configuration: the relay's Ed25519 seed (`MT_SERVER_KEY`) and
 * the at-rest key ring (`MT_STORAGE_KEY`). Pure functions, shared by config validation (so a bad key
 * is a clear error at start) and by `secrets.ts` (which loads or generates the keys).
 * @module
 */
import { MtChatError } from '../sdk/errors.js'

/** One at-rest key: `id` is stored next to every row it encrypted, so old rows stay readable. */
export interface StorageKey {
  id: string
  key: Uint8Array
}

const HEX_32 = /^[0-9a-fA-F]{64}$/
const B64 = /^[A-Za-z0-9+/_-]+={0,2}$/
const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/

/** Decodes 32 bytes given as 64 hex characters or (standard or URL-safe) base64. */
export function decodeKey32(value: string, what: string): Uint8Array {
  const s = value.trim()
  let bytes: Uint8Array | undefined
  if (HEX_32.test(s)) bytes = Uint8Array.from(Buffer.from(s, 'hex'))
  else if (B64.test(s)) bytes = Uint8Array.from(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64'))
  if (!bytes || bytes.length !== 32)
    throw new MtChatError('INVALID_ARGUMENT', `${what} must be 32 bytes as 64 hex characters or base64, got ${bytes ? `${bytes.length} bytes` : 'neither'}`)
  return bytes
}

/**
 * Parses `id:base64key[,id:base64key…]`. The first key encrypts new rows; the others only decrypt
 * rows written before a rotation. Ids are unique, 1–32 characters of `[A-Za-z0-9_.-]`.
 */
export function parseStorageKeys(value: string): StorageKey[] {
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean)
  if (parts.length === 0) throw new MtChatError('INVALID_ARGUMENT', 'MT_STORAGE_KEY is empty')
  const seen = new Set<string>()
  return parts.map((part, i) => {
    const colon = part.indexOf(':')
    if (colon < 1) throw new MtChatError('INVALID_ARGUMENT', `MT_STORAGE_KEY entry ${i + 1} must look like "id:base64key"`)
    const id = part.slice(0, colon)
    if (!KEY_ID.test(id)) throw new MtChatError('INVALID_ARGUMENT', `MT_STORAGE_KEY entry ${i + 1} has an invalid key id (1–32 of A-Z a-z 0-9 _ . -)`)
    if (seen.has(id)) throw new MtChatError('INVALID_ARGUMENT', `MT_STORAGE_KEY repeats the key id "${id}"`)
    seen.add(id)
    return { id, key: decodeKey32(part.slice(colon + 1), `MT_STORAGE_KEY key "${id}"`) }
  })
}

/** The `MT_STORAGE_KEY` text of a key ring (used when persisting a generated key). */
export function formatStorageKeys(keys: readonly StorageKey[]): string {
  return keys.map((k) => `${k.id}:${Buffer.from(k.key).toString('base64')}`).join(',')
}
