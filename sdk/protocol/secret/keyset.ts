/**
 * The keys of one secret chat, named by fingerprint (docs/PROTOCOL.md §4.6): the current key, a
 * pending one (accepted in a re-key, not yet committed) and the previous one, which stays until
 * nothing in flight needs it. Keys carry a generation number so the session can check that the
 * peer never goes back to an older key in sequence order.
 *
 * A retired key is zeroized; its fingerprint (public) is remembered for a while so a late copy of
 * one of its envelopes is reported as a duplicate rather than as an unknown key.
 * @module
 */
import { ctEqual, wipe } from '../../crypto/ct.js'
import { bytesEqual } from '../../util/bytes.js'
import type { ChatKey } from './x3dh.js'

/** How many retired fingerprints are remembered. */
const RETIRED_KEPT = 8

/** One chat key and its bookkeeping. */
export interface KeyEntry extends ChatKey {
  /** 0 for the key of §4.1, +1 per re-key. */
  generation: number
  /** When it became current or pending (ms). */
  since: number
  /** Messages sent and accepted under it while current (the re-key trigger of §4.6). */
  used: number
}

/** The previous key and what must happen before it can go. */
export interface PreviousKey extends KeyEntry {
  /** Our raw out when we switched away from it: the peer must acknowledge up to here. */
  outEnd: number
  /** Whether the peer has sent (and we accepted, in order) a message under the newer key. */
  peerSwitched: boolean
}

/** The key set as persisted (the session serializes the bytes). */
export interface KeySetState {
  current: KeyEntry
  pending?: KeyEntry
  previous?: PreviousKey
  retired: Uint8Array[]
}

/** Result of a fingerprint lookup. */
export type KeyLookup = { kind: 'key'; entry: KeyEntry } | { kind: 'retired' } | { kind: 'unknown' }

/** The current, pending and previous keys of one chat. */
export class KeySet {
  #s: KeySetState

  constructor(state: KeySetState) {
    this.#s = state
  }

  /** The state (key bytes included: persist it with the chat, nowhere else). */
  get state(): KeySetState {
    return this.#s
  }

  /** The key new messages are sent under. */
  get current(): KeyEntry {
    return this.#s.current
  }

  get pending(): KeyEntry | undefined {
    return this.#s.pending
  }

  get previous(): PreviousKey | undefined {
    return this.#s.previous
  }

  /** Finds the key an envelope names. */
  lookup(fingerprint: Uint8Array): KeyLookup {
    for (const entry of [this.#s.current, this.#s.pending, this.#s.previous])
      if (entry && ctEqual(entry.fingerprint, fingerprint)) return { kind: 'key', entry }
    if (this.#s.retired.some((fp) => bytesEqual(fp, fingerprint))) return { kind: 'retired' }
    return { kind: 'unknown' }
  }

  /** Holds a key accepted in a re-key until the peer commits it. */
  setPending(key: ChatKey, now: number): void {
    this.discardPending()
    this.#s.pending = { ...key, generation: this.#s.current.generation + 1, since: now, used: 0 }
  }

  /** Zeroizes the pending key. */
  discardPending(): void {
    if (this.#s.pending) wipe(this.#s.pending.key)
    this.#s.pending = undefined
  }

  /**
   * Makes `key` (or the pending key) current; the old current becomes previous. A previous key
   * still held is retired first.
   */
  switchTo(key: ChatKey | 'pending', now: number, outEnd: number): void {
    let next: KeyEntry
    if (key === 'pending') {
      if (!this.#s.pending) throw new Error('no pending key to switch to')
      next = { ...this.#s.pending, since: now, used: 0 }
      this.#s.pending = undefined
    } else {
      this.discardPending()
      next = { ...key, generation: this.#s.current.generation + 1, since: now, used: 0 }
    }
    if (this.#s.previous) this.#retire(this.#s.previous)
    this.#s.previous = { ...this.#s.current, outEnd, peerSwitched: false }
    this.#s.current = next
  }

  /**
   * Zeroizes the previous key once the peer has sent under the newer one and acknowledged
   * everything we sent under the old one (§4.6). Returns whether it did.
   */
  retirePreviousIf(peerAcked: number): boolean {
    const prev = this.#s.previous
    if (!prev || !prev.peerSwitched || peerAcked < prev.outEnd) return false
    this.#retire(prev)
    this.#s.previous = undefined
    return true
  }

  /** Zeroizes every key. */
  wipeAll(): void {
    for (const e of [this.#s.current, this.#s.pending, this.#s.previous]) if (e) wipe(e.key)
    this.#s.pending = undefined
    this.#s.previous = undefined
  }

  #retire(entry: KeyEntry): void {
    wipe(entry.key)
    this.#s.retired.push(entry.fingerprint)
    if (this.#s.retired.length > RETIRED_KEPT) this.#s.retired.shift()
  }
}
