/**
 * At-rest encryption of cloud message bodies (and TOTP secrets): AES-256-GCM (NIST SP 800-38D)
 * under the key ring from `MT_STORAGE_KEY` (DESIGN "Cloud chats"). A sealed value is
 * `nonce (12) ‖ ciphertext ‖ tag (16)`; the key id is stored in its own column so a rotation only
 * prepends a new key: new rows use it, old rows still open with theirs.
 *
 * The associated data binds a body to its row identity (e.g. sender and random_id), so a body
 * copied into another row fails to open instead of showing up in someone else's chat.
 * @module
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto'
import { MtChatError } from '../../sdk/errors.js'
import type { StorageKey } from '../key-material.js'

/** A sealed value and the id of the key that sealed it. */
export interface Sealed {
  keyId: string
  blob: Buffer
}

/** Encrypts and decrypts stored values with a rotating key ring. */
export class StorageCipher {
  private readonly keys: Map<string, Buffer>
  // Random nonces come from a refilled pool: one CSPRNG call per 341 seals instead of one each.
  private readonly pool = Buffer.alloc(12 * 341)
  private poolOffset = this.pool.length
  /** Id of the key that seals new values. */
  readonly currentKeyId: string

  constructor(ring: readonly StorageKey[]) {
    if (ring.length === 0) throw new MtChatError('INVALID_ARGUMENT', 'the storage key ring is empty')
    this.keys = new Map(ring.map((k) => [k.id, Buffer.from(k.key)]))
    this.currentKeyId = ring[0].id
  }

  /** Seals `plaintext` under the current key. */
  seal(plaintext: Uint8Array, aad: string): Sealed {
    const key = this.keys.get(this.currentKeyId)!
    if (this.poolOffset === this.pool.length) {
      randomFillSync(this.pool)
      this.poolOffset = 0
    }
    const nonce = Buffer.from(this.pool.subarray(this.poolOffset, (this.poolOffset += 12)))
    const c = createCipheriv('aes-256-gcm', key, nonce)
    c.setAAD(Buffer.from(aad, 'utf8'))
    const body = Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()])
    return { keyId: this.currentKeyId, blob: body }
  }

  /** Opens a sealed value; STORAGE_FAILED when the key id is unknown or the value was altered. */
  open(keyId: string, blob: Uint8Array, aad: string): Buffer {
    const key = this.keys.get(keyId)
    if (!key) throw new MtChatError('STORAGE_FAILED', `no storage key with id "${keyId}" (was it removed from MT_STORAGE_KEY?)`, { expose: false })
    if (blob.length < 28) throw new MtChatError('STORAGE_FAILED', 'sealed value too short', { expose: false })
    const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
    const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12))
    d.setAAD(Buffer.from(aad, 'utf8'))
    d.setAuthTag(buf.subarray(buf.length - 16))
    try {
      return Buffer.concat([d.update(buf.subarray(12, buf.length - 16)), d.final()])
    } catch (cause) {
      throw new MtChatError('STORAGE_FAILED', 'a stored value failed authentication', { cause, expose: false })
    }
  }

  /** Zeroizes the keys (on shutdown). */
  destroy(): void {
    for (const k of this.keys.values()) k.fill(0)
  }
}
