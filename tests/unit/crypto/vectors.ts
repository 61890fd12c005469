/**
 * Typed loaders for tests/fixtures/vectors (copies of ../shared/vectors; sources in its README).
 * Byte strings stay hex in the files; `hex()` turns them into bytes.
 */
import { readFileSync } from 'node:fs'
import { fromHex } from '../../../sdk/util/bytes.js'

const dir = new URL('../../fixtures/vectors/', import.meta.url)

function load<T>(name: string): T & { source: string } {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T & { source: string }
}

export const hex = fromHex

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable'
interface Case {
  tcId: number
  comment: string
  flags: string[]
  result: WycheproofResult
}
interface Suite<G> {
  numberOfTests: number
  testGroups: G[]
}

export interface X25519Case extends Case { public: string; private: string; shared: string }
export interface Ed25519Case extends Case { msg: string; sig: string }
export interface GcmCase extends Case { key: string; iv: string; aad: string; msg: string; ct: string; tag: string }
export interface HkdfCase extends Case { ikm: string; salt: string; info: string; size: number; okm: string }
export interface HmacCase extends Case { key: string; msg: string; tag: string }
export interface IgeCase { key: string; iv: string; plaintext: string; ciphertext: string; name?: string; listed_as?: string }
export interface MtprotoCase {
  x: 0 | 8
  direction: string
  auth_key: string
  auth_key_id: string
  plaintext: string
  msg_key: string
  aes_key: string
  aes_iv: string
  ciphertext: string
}

export const x25519Vectors = load<Suite<{ tests: X25519Case[] }>>('wycheproof_x25519.json')
export const ed25519Vectors = load<Suite<{ publicKey: { pk: string }; tests: Ed25519Case[] }>>('wycheproof_ed25519.json')
export const gcmVectors = load<Suite<{ keySize: number; ivSize: number; tagSize: number; tests: GcmCase[] }>>('wycheproof_aes_gcm.json')
export const hkdfVectors = load<Suite<{ tests: HkdfCase[] }>>('wycheproof_hkdf_sha256.json')
export const hmacVectors = load<Suite<{ keySize: number; tagSize: number; tests: HmacCase[] }>>('wycheproof_hmac_sha256.json')
export const igeVectors = load<{ openssl: IgeCase[]; telegram: IgeCase[]; aes256: IgeCase[] }>('aes_ige.json')
export const mtprotoVectors = load<{ cases: MtprotoCase[] }>('mtproto2_kdf.json')

/** Every case of a Wycheproof suite with its group, flattened. */
export function cases<G extends { tests: unknown[] }>(suite: Suite<G>): { group: G; test: G['tests'][number] }[] {
  return suite.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })))
}
