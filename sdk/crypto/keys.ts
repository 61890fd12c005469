/**
 * Key pairs and the operations built on them (docs/PROTOCOL.md §1, §2.2, §4.1): X25519 and Ed25519
 * generation, a JSON-safe serialized form, Ed25519 signatures under the protocol's domain-separation
 * labels, HKDF-SHA256 with byte-string or text parts, and secure random bytes. Primitives only: the
 * identity/prekey bundle logic lives in `sdk/protocol/secret`.
 *
 * Argument errors follow noble: TypeError for a wrong type, RangeError for a wrong size, with the
 * name of the argument and what was expected.
 * @module
 */
import { MtChatError } from '../errors.js'
import { assertBytes, concatBytes, fromBase64, toBase64, utf8 } from '../util/bytes.js'
import { ctEqual } from './ct.js'
import type { CryptoProvider, KeyPair } from './provider.js'

/** The two key types mt-chat uses: X25519 for agreement, Ed25519 for signatures. */
export type KeyKind = 'x25519' | 'ed25519'

/** A key pair in a JSON-safe form (standard base64, as every byte string of the protocol). */
export interface SerializedKeyPair {
  kind: KeyKind
  /** 32 bytes, base64. */
  publicKey: string
  /** 32 bytes, base64: the X25519 scalar or the Ed25519 seed. A secret: store it like one. */
  secretKey: string
}

/**
 * The domain-separation labels every Ed25519 signature of the protocol starts with, so a signature
 * made for one purpose never verifies for another.
 */
export const SIGN_CONTEXTS = {
  /** Relay transcript signature of `hs_ok` (§2.2). */
  handshake: 'mt-chat/handshake/v1',
  /** An identity key's signature over its X25519 identity key (§4.1). */
  identityDh: 'mt-chat/identity-dh/v1',
  /** An identity key's signature over a signed prekey (§4.1). */
  signedPrekey: 'mt-chat/signed-prekey/v1',
} as const

/** A key of {@link SIGN_CONTEXTS}. */
export type SignContext = keyof typeof SIGN_CONTEXTS

const CONTEXT_BYTES = Object.fromEntries(
  Object.entries(SIGN_CONTEXTS).map(([name, label]) => [name, utf8(label)]),
) as Record<SignContext, Uint8Array>

function checkKind(kind: unknown, name: string): asserts kind is KeyKind {
  if (kind !== 'x25519' && kind !== 'ed25519')
    throw new TypeError(`"${name}" expected "x25519" or "ed25519", got ${typeof kind === 'string' ? JSON.stringify(kind) : typeof kind}`)
}

function checkContext(context: unknown): asserts context is SignContext {
  if (typeof context !== 'string' || !Object.prototype.hasOwnProperty.call(SIGN_CONTEXTS, context))
    throw new TypeError(`"context" expected one of ${Object.keys(SIGN_CONTEXTS).join(', ')}, got ${String(context)}`)
}

function publicKeyOf(p: CryptoProvider, kind: KeyKind, secretKey: Uint8Array): Uint8Array {
  return kind === 'x25519' ? p.x25519PublicKey(secretKey) : p.ed25519PublicKey(secretKey)
}

/**
 * A fresh key pair of `kind`.
 *
 * @example
 * ```ts
 * const identity = generateKeyPair(p, 'ed25519')
 * ```
 */
export function generateKeyPair(p: CryptoProvider, kind: KeyKind): KeyPair {
  checkKind(kind, 'kind')
  return kind === 'x25519' ? p.x25519Keygen() : p.ed25519Keygen()
}

/**
 * The JSON-safe form of a key pair.
 *
 * @example
 * ```ts
 * localStorage.setItem('id', JSON.stringify(serializeKeyPair('ed25519', identity)))
 * ```
 */
export function serializeKeyPair(kind: KeyKind, keyPair: KeyPair): SerializedKeyPair {
  checkKind(kind, 'kind')
  if (typeof keyPair !== 'object' || keyPair === null) throw new TypeError(`"keyPair" expected an object, got ${keyPair === null ? 'null' : typeof keyPair}`)
  assertBytes(keyPair.publicKey, 'keyPair.publicKey', 32)
  assertBytes(keyPair.secretKey, 'keyPair.secretKey', 32)
  return { kind, publicKey: toBase64(keyPair.publicKey), secretKey: toBase64(keyPair.secretKey) }
}

function decodeField(value: unknown, name: string, length: number): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected a base64 string, got ${value === null ? 'null' : typeof value}`)
  let bytes: Uint8Array
  try {
    bytes = fromBase64(value)
  } catch {
    throw new TypeError(`"${name}" expected a base64 string, got invalid base64`)
  }
  if (bytes.length !== length) throw new RangeError(`"${name}" expected ${length} bytes, got length=${bytes.length}`)
  return bytes
}

/**
 * Reads a key pair back from {@link serializeKeyPair}'s form (e.g. parsed JSON from storage) and
 * checks that the public key belongs to the secret key.
 *
 * @throws TypeError / RangeError for a malformed value; MtChatError CRYPTO_BAD_KEY when the public
 *   key does not match the secret key.
 * @example
 * ```ts
 * const { kind, keyPair } = deserializeKeyPair(p, JSON.parse(localStorage.getItem('id')!))
 * ```
 */
export function deserializeKeyPair(p: CryptoProvider, value: unknown): { kind: KeyKind; keyPair: KeyPair } {
  if (typeof value !== 'object' || value === null) throw new TypeError(`"value" expected an object, got ${value === null ? 'null' : typeof value}`)
  const v = value as Record<string, unknown>
  checkKind(v.kind, 'value.kind')
  const publicKey = decodeField(v.publicKey, 'value.publicKey', 32)
  const secretKey = decodeField(v.secretKey, 'value.secretKey', 32)
  if (!ctEqual(publicKeyOf(p, v.kind, secretKey), publicKey)) {
    secretKey.fill(0)
    throw new MtChatError('CRYPTO_BAD_KEY', `${v.kind} public key does not belong to the secret key`, { op: 'keys.deserialize' })
  }
  return { kind: v.kind, keyPair: { publicKey, secretKey } }
}

/** Base64 of a 32-byte public key. */
export function serializePublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', 32)
  return toBase64(publicKey)
}

/** A 32-byte public key from base64 (TypeError / RangeError when malformed). */
export function deserializePublicKey(value: unknown, name = 'publicKey'): Uint8Array {
  return decodeField(value, name, 32)
}

/** What a signature under `context` covers: `SIGN_CONTEXTS[context] ‖ message`. */
export function contextMessage(context: SignContext, message: Uint8Array): Uint8Array {
  checkContext(context)
  assertBytes(message, 'message')
  return concatBytes(CONTEXT_BYTES[context], message)
}

/**
 * Ed25519 signature over `SIGN_CONTEXTS[context] ‖ message`.
 *
 * @example
 * ```ts
 * const sig = signWithContext(p, 'identityDh', identityDh.publicKey, identity.secretKey)
 * ```
 */
export function signWithContext(p: CryptoProvider, context: SignContext, message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', 32)
  return p.ed25519Sign(contextMessage(context, message), secretKey)
}

/**
 * Strict verification (docs/PROTOCOL.md §1) of a {@link signWithContext} signature; false for a
 * bad signature or malformed input, never throws for those.
 *
 * @example
 * ```ts
 * if (!verifyWithContext(p, 'handshake', sig, transcript, pinnedServerKey)) abort()
 * ```
 */
export function verifyWithContext(
  p: CryptoProvider,
  context: SignContext,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  checkContext(context)
  if (!(message instanceof Uint8Array)) return false
  return p.ed25519Verify(signature, concatBytes(CONTEXT_BYTES[context], message), publicKey)
}

/**
 * {@link verifyWithContext} that throws MtChatError CRYPTO_BAD_SIGNATURE, for code that must stop.
 *
 * @example
 * ```ts
 * assertSignature(p, 'signedPrekey', spk.sig, spkMessage, identityKey)
 * ```
 */
export function assertSignature(
  p: CryptoProvider,
  context: SignContext,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): void {
  if (!verifyWithContext(p, context, signature, message, publicKey))
    throw new MtChatError('CRYPTO_BAD_SIGNATURE', `${SIGN_CONTEXTS[context]} signature does not verify`, { op: 'ed25519.verify' })
}

/** A byte string, or text taken as its UTF-8 bytes. */
export type BytesLike = Uint8Array | string

function toBytes(parts: BytesLike | readonly BytesLike[], name: string): Uint8Array {
  const list = Array.isArray(parts) ? parts : [parts]
  return concatBytes(
    ...list.map((part, i) => {
      if (typeof part === 'string') return utf8(part)
      assertBytes(part, Array.isArray(parts) ? `${name}[${i}]` : name)
      return part
    }),
  )
}

/**
 * HKDF-SHA256 (RFC 5869). `salt` and `info` may be given as a list of parts, concatenated, the
 * way the protocol writes them (`"mt-chat/chat-key/v1" ‖ chat_id ‖ IK_A ‖ IK_B`).
 *
 * @throws MtChatError CRYPTO_BAD_LENGTH when `length` is not 1..8160.
 * @example
 * ```ts
 * const chatKey = hkdf(p, ikm, { salt: new Uint8Array(32), info: ['mt-chat/chat-key/v1', chatId, ikA, ikB], length: 256 })
 * ```
 */
export function hkdf(
  p: CryptoProvider,
  ikm: Uint8Array,
  options: { salt?: BytesLike | readonly BytesLike[]; info?: BytesLike | readonly BytesLike[]; length: number },
): Uint8Array {
  assertBytes(ikm, 'ikm')
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  if (typeof options.length !== 'number') throw new TypeError(`"options.length" expected number, got ${typeof options.length}`)
  return p.hkdfSha256(ikm, toBytes(options.salt ?? [], 'salt'), toBytes(options.info ?? [], 'info'), options.length)
}

/**
 * `length` cryptographically secure random bytes from the platform (`crypto.getRandomValues`,
 * in browsers and Node ≥ 19), in 64 KiB steps (its per-call limit).
 *
 * @throws MtChatError NOT_SUPPORTED when the platform has no `crypto.getRandomValues`.
 * @example
 * ```ts
 * const chatId = secureRandom(8)
 * ```
 */
export function secureRandom(length: number): Uint8Array {
  if (typeof length !== 'number') throw new TypeError(`"length" expected number, got ${typeof length}`)
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`"length" expected a non-negative integer, got ${length}`)
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto
  if (typeof c?.getRandomValues !== 'function')
    throw new MtChatError('NOT_SUPPORTED', 'no crypto.getRandomValues on this platform', { op: 'secureRandom' })
  const out = new Uint8Array(length)
  for (let off = 0; off < length; off += 65536) c.getRandomValues(out.subarray(off, Math.min(length, off + 65536)))
  return out
}
