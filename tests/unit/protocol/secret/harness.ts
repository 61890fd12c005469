/**
 * Test harness for secret chats: device keys, a relay-like bundle answer, and two sessions talking
 * through an in-memory channel that the tests can reorder, duplicate, drop or tamper with.
 * Everything goes through the public API (encrypt/decrypt/maintain/toJSON/fromJSON).
 */
import { nobleProvider } from '../../../../sdk/crypto/noble.js'
import type { Direction } from '../../../../sdk/crypto/mtproto2.js'
import { fromBase64, toHex } from '../../../../sdk/util/bytes.js'
import { SecretChatSession } from '../../../../sdk/protocol/secret/chat-session.js'
import type { SecretSessionOptions } from '../../../../sdk/protocol/secret/start.js'
import { sealEnvelope } from '../../../../sdk/protocol/secret/envelope.js'
import { DeviceKeys } from '../../../../sdk/protocol/secret/identity.js'
import type { SecretEnvelope, SecretOutcome } from '../../../../sdk/protocol/secret/outcomes.js'
import { encodePayload } from '../../../../sdk/protocol/secret/payload.js'
import type { SecretPayload } from '../../../../sdk/protocol/schemas/secret.js'

export const p = nobleProvider

/**
 * Device keys made once per test file (generation is asynchronous; a Pair is built synchronously):
 * each {@link freshDeviceKeys} call hands out a new copy of the next one, so the two sides of a
 * Pair, and neighbouring Pairs, have different identities.
 */
const KEY_POOL = await Promise.all(Array.from({ length: 16 }, () => DeviceKeys.generate(p, { oneTimePrekeys: 3, now: () => Date.UTC(2025, 0, 1) }).then((k) => k.toJSON())))
let nextKeys = 0

/** A fresh copy of the next pre-generated device's keys (3 one-time prekeys). */
export function freshDeviceKeys(): DeviceKeys {
  return DeviceKeys.fromJSON(KEY_POOL[nextKeys++ % KEY_POOL.length])
}

/** An injectable clock. */
export function clock(start = Date.UTC(2025, 0, 1)) {
  let t = start
  return {
    now: () => t,
    advance(ms: number) {
      t += ms
    },
  }
}

/** What `GET /v1/keys/:userId` would answer for `keys` (takes the lowest one-time prekey, if asked). */
export function relayBundle(keys: DeviceKeys, opts: { withOneTimePrekey?: boolean; userId?: number } = {}) {
  const pub = keys.publicBundle('dev-b')
  const opk = opts.withOneTimePrekey === false ? undefined : pub.one_time_prekeys?.[0]
  return {
    user_id: opts.userId ?? 2,
    device_id: pub.device_id,
    identity_key: pub.identity_key,
    identity_dh: pub.identity_dh,
    identity_dh_sig: pub.identity_dh_sig,
    signed_prekey: pub.signed_prekey!,
    ...(opk ? { one_time_prekey: opk } : {}),
  }
}

export type Side = 'a' | 'b'
const other = (s: Side): Side => (s === 'a' ? 'b' : 'a')

/** Two sessions and the envelopes in flight between them. */
export class Pair {
  readonly aKeys: DeviceKeys
  readonly bKeys: DeviceKeys
  readonly clock = clock()
  a!: SecretChatSession
  b: SecretChatSession | undefined
  chatId!: string
  /** Envelopes waiting for each side. */
  readonly inbox: Record<Side, SecretEnvelope[]> = { a: [], b: [] }
  /** Every outcome each side produced, in order. */
  readonly log: Record<Side, SecretOutcome[]> = { a: [], b: [] }
  readonly opts: Omit<SecretSessionOptions, 'provider'>

  constructor(opts: { withOneTimePrekey?: boolean; aLayer?: number; bLayer?: number } & Omit<SecretSessionOptions, 'provider' | 'layer'> = {}) {
    const { withOneTimePrekey, aLayer, bLayer, ...rest } = opts
    this.opts = rest
    this.aKeys = freshDeviceKeys()
    this.bKeys = freshDeviceKeys()
    const started = SecretChatSession.initiate({
      provider: p,
      now: this.clock.now,
      identity: this.aKeys,
      bundle: relayBundle(this.bKeys, { withOneTimePrekey }),
      layer: aLayer,
      ...rest,
    })
    this.a = started.session
    this.chatId = started.chatId
    this.bLayer = bLayer
    this.route('a', started.outcomes)
  }

  private bLayer: number | undefined

  session(side: Side): SecretChatSession {
    if (side === 'a') return this.a
    if (!this.b) throw new Error('B has not joined yet')
    return this.b
  }

  /** Saves `side` through JSON, as storage would, and continues with the restored session. */
  reload(side: Side): void {
    const restored = SecretChatSession.fromJSON(JSON.parse(JSON.stringify(this.session(side).toJSON())), {
      provider: p,
      now: this.clock.now,
      ...this.opts,
    })
    if (side === 'a') this.a = restored
    else this.b = restored
  }

  /** Queues every `send` outcome for the other side and logs everything. */
  route(from: Side, outcomes: SecretOutcome[]): SecretOutcome[] {
    for (const o of outcomes) {
      this.log[from].push(o)
      if (o.type === 'send') this.inbox[other(from)].push(o.envelope)
    }
    return outcomes
  }

  /** Hands one envelope to `to` (B joins with the first envelope it gets). */
  deliver(to: Side, env: SecretEnvelope): SecretOutcome[] {
    if (to === 'b' && !this.b) {
      const { session, outcomes } = SecretChatSession.accept({
        provider: p,
        now: this.clock.now,
        identity: this.bKeys,
        chatId: this.chatId,
        envelope: env,
        layer: this.bLayer,
        ...this.opts,
      })
      this.b = session
      return this.route('b', outcomes)
    }
    return this.route(to, this.session(to).decrypt(env))
  }

  /** Sends a text from `from`; the envelope is queued for the other side and returned. */
  send(from: Side, text: string): SecretEnvelope {
    const env = this.session(from).encrypt({ _: 'text', text })
    this.inbox[other(from)].push(env)
    return env
  }

  /** Delivers everything queued for `to`, in order. */
  drain(to: Side): void {
    while (this.inbox[to].length) this.deliver(to, this.inbox[to].shift()!)
  }

  /** Delivers both ways and runs maintain() until nothing moves (bounded). */
  settle(rounds = 50): void {
    for (let i = 0; i < rounds; i++) {
      this.drain('b')
      this.drain('a')
      for (const s of ['a', 'b'] as const) if (s === 'a' || this.b) this.route(s, this.session(s).maintain())
      if (!this.inbox.a.length && !this.inbox.b.length) return
    }
    throw new Error('did not settle')
  }

  /** Texts `side` has had delivered, in order. */
  texts(side: Side): string[] {
    return this.log[side].flatMap((o) => (o.type === 'message' && o.message._ === 'text' ? [o.message.text] : []))
  }

  /** Outcomes of one type that `side` produced. */
  of<T extends SecretOutcome['type']>(side: Side, type: T): Extract<SecretOutcome, { type: T }>[] {
    return this.log[side].filter((o): o is Extract<SecretOutcome, { type: T }> => o.type === type)
  }
}

/** The codes of the `dropped` outcomes in a list. */
export function droppedCodes(outcomes: SecretOutcome[]): string[] {
  return outcomes.flatMap((o) => (o.type === 'dropped' ? [o.error.code] : []))
}

/** The `state` transitions in a list, as `from→to:code`. */
export function transitions(outcomes: SecretOutcome[]): string[] {
  return outcomes.flatMap((o) => (o.type === 'state' ? [`${o.transition.from}→${o.transition.to}:${o.transition.code}`] : []))
}

/**
 * What a peer that holds the chat key (read from its own serialized state) can put on the wire:
 * any payload, sealed correctly. Used to show what the receiver checks after authentication.
 */
export function forge(session: SecretChatSession, payload: Omit<SecretPayload, 'random_id' | 'random_bytes'> & { random_id?: string }): SecretEnvelope {
  const json = session.toJSON()
  const cur = json.keys!.current
  const x: Direction = json.role === 'initiator' ? 0 : 8
  const randomId = payload.random_id ?? toHex(p.randomBytes(8))
  const data = sealEnvelope(p, fromBase64(cur.key), fromBase64(cur.fingerprint), x, encodePayload({ ...payload, random_id: randomId, random_bytes: p.randomBytes(16) }))
  return { randomId, data }
}
