/**
 * Server salts (docs/PROTOCOL.md §2.6). The first salt comes from the handshake
 * (`nonce[0:8] XOR server_nonce[0:8]`); the relay rotates to a fresh random salt every 30 minutes,
 * announces the current and the next one with `server_salts`, and accepts a salt from 30 s before
 * its `valid_since` to 30 s after its `valid_until`. A client frame with any other salt is
 * answered with `bad_server_salt` and re-sent by the client under a new msg_id.
 *
 * {@link RelaySaltSchedule} is the relay's side, {@link ClientSalts} the client's. Both are pure:
 * time comes in as an argument, randomness through a function.
 * @module
 */
import { bytesEqual } from '../util/bytes.js'
import type { ServerSalt, ServerSalts } from './schemas/service.js'

/** How long one salt is current (ms). */
export const SALT_PERIOD_MS = 30 * 60_000
/** Tolerance around a salt's validity for clock skew and frames in flight (ms). */
export const SALT_GRACE_MS = 30_000

interface Entry {
  salt: Uint8Array
  since: number
  until: number
}

/** Options of {@link RelaySaltSchedule}. */
export interface RelaySaltOptions {
  /** The handshake's salt; current from `now`. */
  first: Uint8Array
  /** Unix ms at which `first` becomes current (the handshake). */
  now: number
  /** Source of the 8-byte salts that follow (the crypto provider's randomBytes). */
  random: (length: number) => Uint8Array
  /** Default {@link SALT_PERIOD_MS}. */
  periodMs?: number
  /** Default {@link SALT_GRACE_MS}. */
  graceMs?: number
}

/**
 * The relay's salts for one connection: always a current salt and the next one.
 * @example
 * ```ts
 * const salts = new RelaySaltSchedule({ first, now: Date.now(), random: provider.randomBytes })
 * if (!salts.isValid(frameSalt, Date.now())) reply(badServerSalt(salts.current(Date.now())))
 * ```
 */
export class RelaySaltSchedule {
  readonly #entries: Entry[]
  readonly #random: (length: number) => Uint8Array
  readonly #period: number
  readonly #grace: number
  #dirty = true

  constructor(opts: RelaySaltOptions) {
    this.#random = opts.random
    this.#period = opts.periodMs ?? SALT_PERIOD_MS
    this.#grace = opts.graceMs ?? SALT_GRACE_MS
    this.#entries = [{ salt: opts.first.slice(), since: opts.now, until: opts.now + this.#period }]
    this.#advance(opts.now)
  }

  /** Drops salts past their grace and keeps one salt ahead of the current one. */
  #advance(now: number): void {
    const e = this.#entries
    while (e.length > 1 && e[0].until + this.#grace < now) e.shift()
    let last = e[e.length - 1]
    while (last.until <= now + this.#period) {
      // After a long idle the schedule restarts at `now` instead of catching up salt by salt.
      const since = last.until >= now ? last.until : now
      last = { salt: this.#random(8), since, until: since + this.#period }
      e.push(last)
      this.#dirty = true
    }
  }

  /** The salt the relay puts in its frames at `now`. */
  current(now: number): Uint8Array {
    this.#advance(now)
    let pick = this.#entries[0]
    for (const entry of this.#entries) if (entry.since <= now) pick = entry
    return pick.salt
  }

  /** Whether a client frame's salt is acceptable at `now` (validity ± grace). */
  isValid(salt: Uint8Array, now: number): boolean {
    this.#advance(now)
    for (const e of this.#entries)
      if (e.since - this.#grace <= now && now <= e.until + this.#grace && bytesEqual(e.salt, salt)) return true
    return false
  }

  /** The salts valid now or later, oldest first, as `server_salts` lists them. */
  list(now: number): ServerSalt[] {
    this.#advance(now)
    return this.#entries.filter((e) => e.until >= now).map((e) => ({ salt: e.salt, valid_since: e.since, valid_until: e.until }))
  }

  /**
   * A `server_salts` body when the schedule changed since the last call (and on the first call),
   * else `undefined`. The relay sends it as a push after the first frame and on every rotation.
   */
  takeAnnouncement(now: number): ServerSalts | undefined {
    this.#advance(now)
    if (!this.#dirty) return undefined
    this.#dirty = false
    return { _: 'server_salts', salts: this.list(now) }
  }
}

/**
 * The client's salts: the handshake's, then whatever `server_salts` and `bad_server_salt` say.
 * @example
 * ```ts
 * const salts = new ClientSalts(handshakeSalt)
 * salts.update(body.salts)           // on server_salts
 * salts.adopt(body.new_server_salt)  // on bad_server_salt
 * ```
 */
export class ClientSalts {
  #fallback: Uint8Array
  #entries: Entry[] = []

  constructor(first: Uint8Array) {
    this.#fallback = first.slice()
  }

  /**
   * The salt to send at `now` (relay clock): the newest announced salt valid now; failing that the
   * announced salt nearest in time (clocks differ by a little); failing that the last adopted one.
   */
  current(now: number): Uint8Array {
    let pick: Entry | undefined
    let best = Infinity
    for (const e of this.#entries) {
      const distance = now < e.since ? e.since - now : now > e.until ? now - e.until : 0
      if (distance < best || (distance === 0 && pick && e.since >= pick.since)) {
        pick = e
        best = distance
      }
    }
    return pick ? pick.salt : this.#fallback
  }

  /** The relay said this salt is the one to use (`bad_server_salt`); older announcements are dropped. */
  adopt(salt: Uint8Array): void {
    this.#fallback = salt.slice()
    this.#entries = []
  }

  /** The relay announced its salts (`server_salts`). */
  update(salts: readonly ServerSalt[]): void {
    this.#entries = salts.map((s) => ({ salt: s.salt.slice(), since: s.valid_since, until: s.valid_until }))
  }
}
