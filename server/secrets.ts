/**
 * The relay's long-term secrets: the Ed25519 server key (signs every handshake, docs/PROTOCOL.md
 * §2.2; clients pin its public key) and the at-rest key ring for cloud messages (DESIGN "Cloud
 * chats"). Each comes from config or is generated once and persisted in the data dir with mode
 * 0600, so a restart keeps the pin valid and old rows readable. Secrets never leave this module
 * except as KeyObjects or derived keys, and are never logged.
 * @module
 */
import { createPrivateKey, createPublicKey, hkdfSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeKey32, formatStorageKeys, parseStorageKeys, type StorageKey } from './key-material.js'

/** The relay's long-term Ed25519 identity. */
export interface ServerKey {
  /** 32-byte Ed25519 public key (what clients pin; served at GET /v1/server-key). */
  readonly publicKey: Uint8Array
  /** Ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array): Uint8Array
  /** A 32-byte key derived from the seed for one purpose (HKDF-SHA256, info = label). */
  derive(label: string): Uint8Array
}

/** Where a secret came from, for the start banner and warnings. */
export type SecretSource = 'config' | 'file' | 'generated'

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Builds a {@link ServerKey} from a 32-byte Ed25519 seed. The seed buffer is zeroized. */
export function serverKeyFromSeed(seed: Uint8Array): ServerKey {
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed])
  const privateKey: KeyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  const publicKey = Uint8Array.from(spki.subarray(spki.length - 32))
  // HKDF input kept as a private copy; derive() never exposes it.
  const ikm = Buffer.from(seed)
  der.fill(0)
  seed.fill(0)
  return {
    publicKey,
    sign: (message) => Uint8Array.from(sign(null, message, privateKey)),
    derive: (label) => new Uint8Array(hkdfSync('sha256', ikm, Buffer.alloc(0), `mt-chat/derive/${label}`, 32)),
  }
}

function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
}

/** Reads a secret file, or creates it exclusively (another process may race us) with mode 0600. */
function readOrCreate(path: string, create: () => string): { text: string; created: boolean } {
  try {
    const text = readFileSync(path, 'utf8')
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
    return { text, created: false }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const text = create()
  try {
    writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' })
    return { text, created: true }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { text: readFileSync(path, 'utf8'), created: false }
    throw err
  }
}

/** Loads the server key from config, or from `<dataDir>/server-key`, generating it on first start. */
export function loadServerKey(configured: string | undefined, dataDir: string): { key: ServerKey; source: SecretSource } {
  if (configured) return { key: serverKeyFromSeed(decodeKey32(configured, 'MT_SERVER_KEY')), source: 'config' }
  ensureDir(dataDir)
  const { text, created } = readOrCreate(join(dataDir, 'server-key'), () => randomBytes(32).toString('hex'))
  return { key: serverKeyFromSeed(decodeKey32(text, `${join(dataDir, 'server-key')}`)), source: created ? 'generated' : 'file' }
}

/** Loads the at-rest key ring from config, or from `<dataDir>/storage-key`, generating it once. */
export function loadStorageKeys(configured: string | undefined, dataDir: string): { keys: StorageKey[]; source: SecretSource } {
  if (configured) return { keys: parseStorageKeys(configured), source: 'config' }
  ensureDir(dataDir)
  const id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`
  const { text, created } = readOrCreate(join(dataDir, 'storage-key'), () => formatStorageKeys([{ id, key: randomBytes(32) }]))
  return { keys: parseStorageKeys(text), source: created ? 'generated' : 'file' }
}
