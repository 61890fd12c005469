/**
 * {@link KeyCrypto} on WebCrypto (`crypto.subtle`): X25519, Ed25519, HKDF-SHA256 and SHA-1 in the
 * platform's native code, so the browser SDK ships no JS curve arithmetic for the handshake and
 * the device keys. No Node built-ins: this file is part of the browser bundle.
 *
 * Raw 32-byte secrets enter WebCrypto as PKCS#8 (a fixed 16-byte prefix, RFC 8410) and leave as
 * JWK `d` (public keys as JWK `x` or raw); the PKCS#8 copies made here are zeroized after use (a
 * JWK's base64 string cannot be).
 *
 * Ed25519 verification follows the strict rule of docs/PROTOCOL.md §1 on every engine: the shared
 * encoding checks (`ed25519-strict.ts`: S < L, A and R canonical and not of small order) run first,
 * then the platform's verify, which the Secure Curves spec fixes to the cofactorless equation
 * (OpenSSL, BoringSSL and CryptoKit do so) — the same equation node.ts and noble.ts check.
 *
 * A platform without `crypto.subtle` (an insecure context), or whose `crypto.subtle` lacks X25519
 * or Ed25519 (older browsers), gets `fallback` for every operation: found out once, on first use,
 * by generating one key of each.
 * @module
 */
import { MtChatError } from '../errors.js'
import { assertBytes, fromBase64 } from '../util/bytes.js'
import { ed25519StrictEncoding } from './ed25519-strict.js'
import type { KeyCrypto, KeyPair } from './provider.js'

/** The subset of SubtleCrypto used here (typed locally so no DOM-only type leaks into the API). */
export interface SubtleKeys {
  generateKey(algorithm: { name: string }, extractable: boolean, usages: string[]): Promise<unknown>
  importKey(format: 'raw' | 'pkcs8', key: Uint8Array, algorithm: string | { name: string }, extractable: boolean, usages: string[]): Promise<unknown>
  exportKey(format: 'jwk', key: unknown): Promise<{ d?: string; x?: string }>
  deriveBits(algorithm: object, key: unknown, length: number): Promise<ArrayBuffer>
  sign(algorithm: { name: string }, key: unknown, data: Uint8Array): Promise<ArrayBuffer>
  verify(algorithm: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>
}

/** The platform's `crypto.subtle`, if any (absent in insecure contexts). */
export function platformSubtle(): SubtleKeys | undefined {
  return (globalThis as { crypto?: { subtle?: SubtleKeys } }).crypto?.subtle
}

type Curve = 'X25519' | 'Ed25519'

/** PKCS#8 PrivateKeyInfo of a 32-byte key, up to the key (RFC 8410 §7): OID 1.3.101.110 / .112. */
const PKCS8_PREFIX: Record<Curve, Uint8Array> = {
  X25519: Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20),
  Ed25519: Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20),
}

const USAGES: Record<Curve, string[]> = { X25519: ['deriveBits'], Ed25519: ['sign'] }

function badKey(cause: unknown): MtChatError {
  return new MtChatError('CRYPTO_BAD_KEY', 'X25519 public key is low-order or invalid', { cause, op: 'x25519' })
}

/** base64url (JWK) → bytes. */
const jwkBytes = (s: string | undefined) => fromBase64(s ?? '')

/**
 * {@link KeyCrypto} on `subtle`, with `fallback` (loaded on demand) where the platform lacks
 * X25519 or Ed25519.
 *
 * @example
 * ```ts
 * const keys = webCryptoKeys(platformSubtle(), async () => keyCryptoOf((await import('./noble.js')).nobleProvider))
 * const { publicKey } = await keys.x25519Keygen()
 * ```
 */
export function webCryptoKeys(maybeSubtle: SubtleKeys | undefined, fallback: () => Promise<KeyCrypto>): KeyCrypto {
  // Typed as present: every use below runs only after `choose()` found it (and its curves).
  const subtle = maybeSubtle as SubtleKeys
  let chosen: Promise<KeyCrypto | undefined> | undefined
  /** undefined: use WebCrypto; else the fallback. A failed fallback load is tried again next time. */
  const choose = () =>
    (chosen ??= (
      maybeSubtle
        ? Promise.all([subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']), subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])]).then(
            () => undefined,
            () => fallback(),
          )
        : fallback()
    ).catch((err: unknown) => {
      chosen = undefined
      throw err
    }))

  async function importSecret(curve: Curve, secretKey: Uint8Array, extractable: boolean, usages = USAGES[curve]): Promise<unknown> {
    const der = new Uint8Array(48)
    der.set(PKCS8_PREFIX[curve], 0)
    der.set(secretKey, 16)
    try {
      return await subtle.importKey('pkcs8', der, { name: curve }, extractable, usages)
    } finally {
      der.fill(0)
    }
  }

  async function publicOf(curve: Curve, secretKey: Uint8Array): Promise<Uint8Array> {
    assertBytes(secretKey, 'secretKey', 32)
    return jwkBytes((await subtle.exportKey('jwk', await importSecret(curve, secretKey, true))).x)
  }

  async function keygen(curve: Curve): Promise<KeyPair> {
    const pair = (await subtle.generateKey({ name: curve }, true, curve === 'X25519' ? ['deriveBits'] : ['sign', 'verify'])) as { privateKey: unknown }
    // The JWK's base64 `d` is a string (it cannot be wiped); it goes out of reach here.
    const jwk = await subtle.exportKey('jwk', pair.privateKey)
    return { secretKey: jwkBytes(jwk.d), publicKey: jwkBytes(jwk.x) }
  }

  /** Runs `web` on WebCrypto, or `other` on the fallback. */
  const either =
    <A extends unknown[], R>(web: (...args: A) => Promise<R>, other: (k: KeyCrypto, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const f = await choose()
      return f ? other(f, ...args) : web(...args)
    }

  return {
    name: 'webcrypto',
    x25519Keygen: either(() => keygen('X25519'), (k) => k.x25519Keygen()),
    x25519PublicKey: either((sk: Uint8Array) => publicOf('X25519', sk), (k, sk) => k.x25519PublicKey(sk)),
    x25519: either(
      async (secretKey: Uint8Array, publicKey: Uint8Array) => {
        assertBytes(secretKey, 'secretKey', 32)
        assertBytes(publicKey, 'publicKey', 32)
        let out: Uint8Array
        try {
          const pub = await subtle.importKey('raw', publicKey, { name: 'X25519' }, false, [])
          const priv = await importSecret('X25519', secretKey, false)
          out = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256))
        } catch (cause) {
          throw badKey(cause) // an all-zero result is an OperationError (some engines refuse low-order keys at import)
        }
        let acc = 0
        for (let i = 0; i < out.length; i++) acc |= out[i]
        if (acc === 0) throw badKey(undefined)
        return out
      },
      (k, sk, pk) => k.x25519(sk, pk),
    ),
    ed25519Keygen: either(() => keygen('Ed25519'), (k) => k.ed25519Keygen()),
    ed25519PublicKey: either((sk: Uint8Array) => publicOf('Ed25519', sk), (k, sk) => k.ed25519PublicKey(sk)),
    ed25519Sign: either(
      async (message: Uint8Array, secretKey: Uint8Array) => {
        assertBytes(message, 'message')
        assertBytes(secretKey, 'secretKey', 32)
        return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, await importSecret('Ed25519', secretKey, false), message))
      },
      (k, msg, sk) => k.ed25519Sign(msg, sk),
    ),
    ed25519Verify: either(
      async (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => {
        if (!(message instanceof Uint8Array) || !ed25519StrictEncoding(signature, publicKey)) return false
        try {
          const pub = await subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify'])
          return await subtle.verify({ name: 'Ed25519' }, pub, signature, message)
        } catch {
          return false // not a point on the curve
        }
      },
      (k, sig, msg, pk) => k.ed25519Verify(sig, msg, pk),
    ),
    hkdfSha256: either(
      async (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) => {
        assertBytes(ikm, 'ikm')
        assertBytes(salt, 'salt')
        assertBytes(info, 'info')
        if (!Number.isInteger(length) || length < 1 || length > 255 * 32)
          throw new MtChatError('CRYPTO_BAD_LENGTH', `HKDF-SHA256 length must be 1..8160, got ${length}`, { op: 'hkdf' })
        const key = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits'])
        return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8))
      },
      (k, ikm, salt, info, length) => k.hkdfSha256(ikm, salt, info, length),
    ),
    sha1: either(
      async (data: Uint8Array) => {
        assertBytes(data, 'data')
        return new Uint8Array(await subtle.digest('SHA-1', data))
      },
      (k, data) => k.sha1(data),
    ),
  }
}
