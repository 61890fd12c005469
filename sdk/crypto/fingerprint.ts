/**
 * Verification codes of a secret chat (docs/PROTOCOL.md §4.7), computed from the two identity keys
 * so both sides show the same thing and compare it out of band:
 * - the safety number, 60 digits, as Signal's numeric fingerprint: for each key `k`,
 *   h_0 = 0x0000 ‖ k ‖ "mt-chat", h_(i+1) = SHA512(h_i ‖ k), f(k) = h_5200; the first 30 bytes of
 *   f(k) as six 5-byte big-endian numbers mod 100000, 5 digits each; the two 30-digit halves sorted
 *   and joined;
 * - 8 emoji from {@link EMOJI}, indices = the first eight 6-bit groups (most significant bit first)
 *   of SHA256("mt-chat/emoji/v1" ‖ min(k1, k2) ‖ max(k1, k2)), keys ordered as byte strings.
 * Both are symmetric in the two keys. The 5200 iterations make a brute-force search for a key with
 * a colliding number expensive.
 * @module
 */
import { assertBytes, concatBytes, utf8 } from '../util/bytes.js'
import type { CryptoProvider } from './provider.js'

/** SHA-512 iterations per key (Signal's value). */
export const SAFETY_NUMBER_ITERATIONS = 5200

/**
 * The 64 emoji with their English names, in index order. Chosen (as Matrix did for SAS) to be
 * distinct at a glance and easy to say aloud; never reorder: the order is part of the protocol.
 */
export const EMOJI: readonly (readonly [emoji: string, name: string])[] = [
  ['🐶', 'dog'], ['🐱', 'cat'], ['🦁', 'lion'], ['🐎', 'horse'], ['🦄', 'unicorn'], ['🐷', 'pig'], ['🐘', 'elephant'], ['🐰', 'rabbit'],
  ['🐼', 'panda'], ['🐓', 'rooster'], ['🐧', 'penguin'], ['🐢', 'turtle'], ['🐟', 'fish'], ['🐙', 'octopus'], ['🦋', 'butterfly'], ['🌷', 'flower'],
  ['🌳', 'tree'], ['🌵', 'cactus'], ['🍄', 'mushroom'], ['🌏', 'globe'], ['🌙', 'moon'], ['☁️', 'cloud'], ['🔥', 'fire'], ['🍌', 'banana'],
  ['🍎', 'apple'], ['🍓', 'strawberry'], ['🌽', 'corn'], ['🍕', 'pizza'], ['🎂', 'cake'], ['❤️', 'heart'], ['😀', 'smiley'], ['🤖', 'robot'],
  ['🎩', 'hat'], ['👓', 'glasses'], ['🔧', 'spanner'], ['🎅', 'santa'], ['👍', 'thumbs up'], ['☂️', 'umbrella'], ['⌛', 'hourglass'], ['⏰', 'clock'],
  ['🎁', 'gift'], ['💡', 'light bulb'], ['📕', 'book'], ['✏️', 'pencil'], ['📎', 'paperclip'], ['✂️', 'scissors'], ['🔒', 'lock'], ['🔑', 'key'],
  ['🔨', 'hammer'], ['☎️', 'telephone'], ['🏁', 'flag'], ['🚂', 'train'], ['🚲', 'bicycle'], ['✈️', 'aeroplane'], ['🚀', 'rocket'], ['🏆', 'trophy'],
  ['⚽', 'ball'], ['🎸', 'guitar'], ['🎺', 'trumpet'], ['🔔', 'bell'], ['⚓', 'anchor'], ['🎧', 'headphones'], ['📁', 'folder'], ['📌', 'pin'],
]

/** What two people compare to verify a secret chat. */
export interface VerificationCode {
  /** 60 decimal digits (show them in groups of 5). */
  safetyNumber: string
  /** 8 emoji. */
  emoji: string[]
  /** The English names of {@link VerificationCode.emoji}, for reading aloud and screen readers. */
  emojiNames: string[]
}

const VERSION = new Uint8Array(2) // 0x0000
const STABLE_ID = utf8('mt-chat')
const EMOJI_LABEL = utf8('mt-chat/emoji/v1')

function checkKeys(a: Uint8Array, b: Uint8Array): void {
  assertBytes(a, 'keyA', 32)
  assertBytes(b, 'keyB', 32)
}

/** f(k) → its 30 digits. */
function half(p: CryptoProvider, key: Uint8Array): string {
  let h = p.sha512(concatBytes(VERSION, key, STABLE_ID, key)) // h_1 = SHA512(h_0 ‖ k)
  const buf = new Uint8Array(64 + key.length) // h ‖ k, reused across iterations
  buf.set(key, 64)
  for (let i = 1; i < SAFETY_NUMBER_ITERATIONS; i++) {
    buf.set(h, 0)
    h = p.sha512(buf)
  }
  let digits = ''
  for (let off = 0; off < 30; off += 5) {
    // 40-bit big-endian number: exact in a double (< 2^53)
    const n = h[off] * 2 ** 32 + (((h[off + 1] << 24) | (h[off + 2] << 16) | (h[off + 3] << 8) | h[off + 4]) >>> 0)
    digits += String(n % 100000).padStart(5, '0')
  }
  return digits
}

/** Byte-string order of the two keys in the emoji hash. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

/**
 * The 60-digit safety number of two identity keys; the same whichever key is given first.
 *
 * @example
 * ```ts
 * const digits = safetyNumber(p, myIdentityKey, peerIdentityKey) // "0481527…" (60 digits)
 * ```
 */
export function safetyNumber(p: CryptoProvider, keyA: Uint8Array, keyB: Uint8Array): string {
  checkKeys(keyA, keyB)
  const halves = [half(p, keyA), half(p, keyB)].sort()
  return halves[0] + halves[1]
}

/**
 * The 8 emoji indices (0..63) of two identity keys; the same whichever key is given first.
 *
 * @example
 * ```ts
 * const shown = emojiIndices(p, mine, theirs).map((i) => EMOJI[i][0]).join(' ')
 * ```
 */
export function emojiIndices(p: CryptoProvider, keyA: Uint8Array, keyB: Uint8Array): number[] {
  checkKeys(keyA, keyB)
  const [lo, hi] = compareBytes(keyA, keyB) <= 0 ? [keyA, keyB] : [keyB, keyA]
  const d = p.sha256(EMOJI_LABEL, lo, hi)
  // 48 bits = d[0..5], cut into eight 6-bit groups, most significant first
  const out: number[] = []
  for (let g = 0; g < 8; g++) {
    const bit = g * 6
    const byte = bit >>> 3
    const word = (d[byte] << 8) | d[byte + 1]
    out.push((word >>> (10 - (bit & 7))) & 63)
  }
  return out
}

/**
 * Safety number and emoji of a chat, for `chat.verify()`.
 *
 * @example
 * ```ts
 * const { safetyNumber, emoji } = verificationCode(p, myIdentityKey, peerIdentityKey)
 * ```
 */
export function verificationCode(p: CryptoProvider, keyA: Uint8Array, keyB: Uint8Array): VerificationCode {
  const indices = emojiIndices(p, keyA, keyB)
  return {
    safetyNumber: safetyNumber(p, keyA, keyB),
    emoji: indices.map((i) => EMOJI[i][0]),
    emojiNames: indices.map((i) => EMOJI[i][1]),
  }
}
