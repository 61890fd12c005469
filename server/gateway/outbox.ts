/**
 * A connection's way from the update bus to the wire (docs/PROTOCOL.md §3.1, §2.7): updates
 * addressed to the connection are coalesced per event-loop turn into `updates` frames, and what
 * each frame (or a `getDifference` result) delivered is remembered until the client's `msgs_ack`
 * names it — then its cloud messages turn ✔✔ and its secret envelopes are deleted, through the
 * group committer. A client that leaves too many frames unacked is a slow consumer (4010).
 * @module
 */
import { CLOSE_CODES } from '../../sdk/errors.js'
import type { RelayBody } from '../../sdk/protocol/schemas/registry.js'
import type { Delivery } from '../services/update-bus.js'
import type { Update } from '../services/update-types.js'
import type { GatewayContext } from './context.js'
import { errorFacts } from './log-facts.js'
import { deliverables, maxPts, splitUpdates, type AckRef } from './pushes.js'

/** Bytes kept free in a frame for the `updates` envelope around the updates. */
const FRAME_OVERHEAD = 2048
/** The most ids one `delivered`/`ackSecret` operation carries (the store's limit). */
const MAX_ACK_IDS = 1024

/** What the outbox needs from its connection. */
export interface OutboxHost {
  readonly ctx: GatewayContext
  /** Identifies the connection as the origin of its own updates (skipped when pushed back). */
  readonly tag: string
  /** The signed-in user and device; pushes start after sign-in. */
  readonly user: { id: number; deviceId: string } | undefined
  /** True while frames may be sent. */
  readonly open: boolean
  /** The pts the client was last told, raised by pushes. */
  readonly knownPts: number
  notePts(pts: number): void
  /** Packs and queues a body; its msg_id, or undefined when nothing was sent. */
  send(body: RelayBody): bigint | undefined
  close(code: number, reason: string): void
}

/** Pushes and their acks for one connection. */
export class Outbox {
  private pending: Update[] = []
  private queued = false
  private readonly unacked = new Map<bigint, AckRef>()

  constructor(private readonly host: OutboxHost) {}

  /** A delivery from the bus: queued unless it is for another device or came from this connection. */
  deliver(d: Delivery): void {
    const h = this.host
    if (!h.open || !h.user) return
    if (d.deviceId !== undefined && d.deviceId !== h.user.deviceId) return
    if (d.origin !== undefined && d.origin === h.tag) return
    this.push(d.update)
  }

  /** Queues an update for the next flush. */
  push(update: Update): void {
    this.pending.push(update)
    if (this.queued) return
    this.queued = true
    // The bus hands over a whole commit synchronously: one microtask later it is all here.
    queueMicrotask(() => {
      try {
        this.flush()
      } catch (err) {
        // A microtask must not throw: that would take the relay down.
        this.host.ctx.log.error({ err: errorFacts(err), conn: this.host.tag }, 'gateway: push failed')
      }
    })
  }

  private flush(): void {
    this.queued = false
    const pending = this.pending
    this.pending = []
    const h = this.host
    const user = h.user
    if (!h.open || !user || pending.length === 0) return
    const { metrics, clock, options } = h.ctx
    const now = clock.now()
    for (const updates of splitUpdates(pending, options.maxFrame - FRAME_OVERHEAD)) {
      h.notePts(maxPts(updates, h.knownPts))
      const msgId = h.send({ _: 'updates', updates, pts: h.knownPts } as unknown as RelayBody)
      if (msgId === undefined) return
      metrics.pushes.inc(undefined, updates.length)
      for (const u of updates) if (u._ === 'update.message' && u.message.to === user.id) metrics.deliveryLatency.observe(undefined, Math.max(0, now - u.message.date) / 1000)
      this.track(msgId, deliverables(user.id, updates))
    }
  }

  /** Remembers what the ack of frame `msgId` will deliver (a push, or a getDifference result). */
  track(msgId: bigint, ref: AckRef | undefined): void {
    if (!ref) return
    this.unacked.set(msgId, ref)
    if (this.unacked.size > this.host.ctx.options.maxUnacked) this.host.close(CLOSE_CODES.SLOW_CONSUMER, 'too many unacknowledged updates')
  }

  /** The client's `msgs_ack`: records the deliveries of the frames it names. */
  acked(ids: readonly bigint[], onError: (err: unknown) => void): void {
    const user = this.host.user
    if (!user) return
    const messages: number[] = []
    const senders: number[] = []
    const envelopes: number[] = []
    for (const id of ids) {
      const ref = this.unacked.get(id)
      if (!ref) continue
      this.unacked.delete(id)
      for (let i = 0; i < ref.messages.length; i++) messages.push(ref.messages[i]), senders.push(ref.senders[i])
      for (const e of ref.envelopes) envelopes.push(e)
    }
    const { writer } = this.host.ctx.services
    for (let i = 0; i < messages.length; i += MAX_ACK_IDS)
      writer.submit({ kind: 'delivered', userId: user.id, messageIds: messages.slice(i, i + MAX_ACK_IDS), senders: senders.slice(i, i + MAX_ACK_IDS) }).catch(onError)
    for (let i = 0; i < envelopes.length; i += MAX_ACK_IDS)
      writer.submit({ kind: 'ackSecret', userId: user.id, deviceId: user.deviceId, envelopeIds: envelopes.slice(i, i + MAX_ACK_IDS) }).catch(onError)
  }

  /** Forgets everything (the connection closed). */
  clear(): void {
    this.pending = []
    this.unacked.clear()
  }
}
