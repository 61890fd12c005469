/**
 * The byte format and key derivation of the layer-1 handshake (docs/PROTOCOL.md §2.2): `hs_init`
 * (client → relay, 56 bytes) and `hs_ok` (relay → client, 140 bytes), carried in unencrypted
 * frames (§2.1).
 *
 * X25519 with ephemeral keys on both sides (so transport keys have forward secrecy and the relay
 * stores none); the relay signs the transcript — both nonces, both ephemeral keys, its time and the
 * layer — with its long-term Ed25519 key, which the client pins. No RSA (Albrecht et al. 2022,
 * attack 4). `auth_key = HKDF(X25519, nonce ‖ server_nonce, "mt-chat auth_key", 256)`.
 *
 * The client and relay state machines are in `handshake.ts`.
 * @module
 */
import type { CryptoProvider, KeyCrypto } from '../crypto/provider.js'
import { keyId, keyIdOf } from '../crypto/mtproto2.js'
import { wipe } from '../crypto/ct.js'
import { MtChatError } from '../errors.js'
import { readU32LE, readU64LE, utf8, writeU32LE, writeU64LE } from '../util/bytes.js'

/** Size of the `hs_init` body. */
export const HS_INIT_SIZE = 56
/** Size of the `hs_ok` body. */
export const HS_OK_SIZE = 140
/** The protocol layer this code speaks (the `layer` of `hs_init`). */
export const PROTOCOL_LAYER = 1
/** Size of the auth_key in bytes. */
export const AUTH_KEY_SIZE = 256

const HS_INIT_TAG = utf8('mti1')
const HS_OK_TAG = utf8('mto1')
const TRANSCRIPT_LABEL = utf8('mt-chat/handshake/v1')
const AUTH_KEY_INFO = utf8('mt-chat auth_key')

/** The client's opening message. */
export interface HsInit {
  /** 16 random bytes. */
  nonce: Uint8Array
  /** The client's ephemeral X25519 public key (32 bytes). */
  clientPub: Uint8Array
  /** The layer the client speaks. */
  layer: number
}

/** The relay's answer. */
export interface HsOk {
  /** The client's nonce, echoed. */
  nonce: Uint8Array
  /** 16 random bytes. */
  serverNonce: Uint8Array
  /** The relay's ephemeral X25519 public key (32 bytes). */
  serverPub: Uint8Array
  /** The relay's clock, unix ms. */
  serverTime: number
  /** Ed25519 signature of {@link handshakeTranscript} (64 bytes). */
  signature: Uint8Array
}

const badFrame = (why: string) => new MtChatError('HANDSHAKE_BAD_FRAME', `handshake: ${why}`, { op: 'handshake' })

function checkTag(body: Uint8Array, tag: Uint8Array, size: number, name: string): void {
  if (body.length !== size) throw badFrame(`${name} must be ${size} bytes, got ${body.length}`)
  for (let i = 0; i < 4; i++) if (body[i] !== tag[i]) throw badFrame(`expected the ${name} tag`)
}

/** Encodes `hs_init`: "mti1" ‖ nonce (16) ‖ client_pub (32) ‖ layer (u32). */
export function encodeHsInit(m: HsInit): Uint8Array {
  const out = new Uint8Array(HS_INIT_SIZE)
  out.set(HS_INIT_TAG, 0)
  out.set(m.nonce, 4)
  out.set(m.clientPub, 20)
  writeU32LE(out, 52, m.layer)
  return out
}

/** Decodes `hs_init`. @throws MtChatError HANDSHAKE_BAD_FRAME on a wrong size or tag. */
export function decodeHsInit(body: Uint8Array): HsInit {
  checkTag(body, HS_INIT_TAG, HS_INIT_SIZE, 'hs_init')
  return { nonce: body.slice(4, 20), clientPub: body.slice(20, 52), layer: readU32LE(body, 52) }
}

/** Encodes `hs_ok`: "mto1" ‖ nonce ‖ server_nonce ‖ server_pub ‖ server_time (u64) ‖ signature. */
export function encodeHsOk(m: HsOk): Uint8Array {
  const out = new Uint8Array(HS_OK_SIZE)
  out.set(HS_OK_TAG, 0)
  out.set(m.nonce, 4)
  out.set(m.serverNonce, 20)
  out.set(m.serverPub, 36)
  writeU64LE(out, 68, BigInt(m.serverTime))
  out.set(m.signature, 76)
  return out
}

/** Decodes `hs_ok`. @throws MtChatError HANDSHAKE_BAD_FRAME on a wrong size or tag. */
export function decodeHsOk(body: Uint8Array): HsOk {
  checkTag(body, HS_OK_TAG, HS_OK_SIZE, 'hs_ok')
  const time = readU64LE(body, 68)
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) throw badFrame('server_time out of range')
  return {
    nonce: body.slice(4, 20),
    serverNonce: body.slice(20, 36),
    serverPub: body.slice(36, 68),
    serverTime: Number(time),
    signature: body.slice(76, 140),
  }
}

/**
 * The signed transcript: "mt-chat/handshake/v1" ‖ nonce ‖ server_nonce ‖ client_pub ‖ server_pub
 * ‖ server_time (u64) ‖ layer (u32) — 128 bytes.
 */
export function handshakeTranscript(
  nonce: Uint8Array,
  serverNonce: Uint8Array,
  clientPub: Uint8Array,
  serverPub: Uint8Array,
  serverTime: number,
  layer: number,
): Uint8Array {
  const out = new Uint8Array(128)
  out.set(TRANSCRIPT_LABEL, 0)
  out.set(nonce, 20)
  out.set(serverNonce, 36)
  out.set(clientPub, 52)
  out.set(serverPub, 84)
  writeU64LE(out, 116, BigInt(serverTime))
  writeU32LE(out, 124, layer)
  return out
}

/** The keys a handshake produces; `authKey` is owned by whoever receives it (wipe on drop). */
export interface HandshakeKeys {
  /** 256 bytes. */
  authKey: Uint8Array
  /** key_id(auth_key), 8 bytes. */
  authKeyId: Uint8Array
  /** The first server salt, 8 bytes. */
  salt: Uint8Array
  /** Client: the relay's clock minus ours (ms), for msg_ids. Relay: 0. */
  timeOffset: number
  /** The layer agreed on. */
  layer: number
}

/** The HKDF salt of auth_key, `nonce ‖ server_nonce` (§2.2). */
function authKeySalt(nonce: Uint8Array, serverNonce: Uint8Array): Uint8Array {
  const hkdfSalt = new Uint8Array(32)
  hkdfSalt.set(nonce, 0)
  hkdfSalt.set(serverNonce, 16)
  return hkdfSalt
}

/** The first server salt, `nonce[0:8] ⊕ server_nonce[0:8]` (§2.2). */
function firstSalt(nonce: Uint8Array, serverNonce: Uint8Array): Uint8Array {
  const salt = new Uint8Array(8)
  for (let i = 0; i < 8; i++) salt[i] = nonce[i] ^ serverNonce[i]
  return salt
}

/**
 * auth_key, auth_key_id and the first salt from the X25519 output (the relay's side). Wipes `shared`.
 * @throws MtChatError CRYPTO_BAD_LENGTH only if the provider's HKDF is broken.
 */
export function deriveAuthKey(
  p: CryptoProvider,
  shared: Uint8Array,
  nonce: Uint8Array,
  serverNonce: Uint8Array,
): { authKey: Uint8Array; authKeyId: Uint8Array; salt: Uint8Array } {
  const authKey = p.hkdfSha256(shared, authKeySalt(nonce, serverNonce), AUTH_KEY_INFO, AUTH_KEY_SIZE)
  wipe(shared)
  return { authKey, authKeyId: keyId(p, authKey), salt: firstSalt(nonce, serverNonce) }
}

/** {@link deriveAuthKey} on {@link KeyCrypto} (the client's side, WebCrypto in browsers). Wipes `shared`. */
export async function deriveAuthKeyAsync(
  keys: KeyCrypto,
  shared: Uint8Array,
  nonce: Uint8Array,
  serverNonce: Uint8Array,
): Promise<{ authKey: Uint8Array; authKeyId: Uint8Array; salt: Uint8Array }> {
  try {
    const authKey = await keys.hkdfSha256(shared, authKeySalt(nonce, serverNonce), AUTH_KEY_INFO, AUTH_KEY_SIZE)
    return { authKey, authKeyId: keyIdOf(await keys.sha1(authKey)), salt: firstSalt(nonce, serverNonce) }
  } finally {
    wipe(shared)
  }
}
