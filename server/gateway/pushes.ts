/**
 * Building `updates` pushes (docs/PROTOCOL.md §3.1) and knowing what a client's `msgs_ack` of
 * them means (§2.7): the ack of an `updates` frame, or of a `getDifference` result, is "this
 * device has these updates" — cloud messages addressed to the user turn ✔✔ and secret envelopes
 * addressed to the device are deleted.
 *
 * Frames are bounded by count (500 updates, the schema's maximum) and by an estimate of their
 * encoded size, so a push never exceeds the frame limit however many updates one commit produced.
 * @module
 */
import type { Update } from '../services/update-types.js'

/** The most updates in one `updates` frame (`MAX_UPDATES` of the schema). */
export const MAX_UPDATES_PER_FRAME = 500

/**
 * What an acked frame delivered: cloud message ids (to this user) with their senders (so the ack
 * moves the right ✔✔ pointers without reading the messages back), and envelope ids (to this device).
 */
export interface AckRef {
  messages: number[]
  /** `senders[i]` sent `messages[i]`. */
  senders: number[]
  envelopes: number[]
}

/**
 * The deliverable items in `updates` for `userId`: incoming cloud messages and secret envelopes.
 * `undefined` when there is nothing an ack would change.
 */
export function deliverables(userId: number, updates: readonly Update[]): AckRef | undefined {
  let ref: AckRef | undefined
  for (const u of updates) {
    if (u._ === 'update.message') {
      const m = u.message
      if (m.to === userId && m.from !== userId && m.status === 'sent') {
        ref ??= { messages: [], senders: [], envelopes: [] }
        ref.messages.push(m.id)
        ref.senders.push(m.from)
      }
    } else if (u._ === 'update.secret') (ref ??= { messages: [], senders: [], envelopes: [] }).envelopes.push(u.envelope.id)
  }
  return ref
}

/**
 * An upper estimate of an update's JSON size in bytes, without serializing it: fixed overhead plus
 * the variable fields (UTF-8 text counted at 3 bytes per UTF-16 unit, base64 as is).
 */
export function estimateSize(u: Update): number {
  switch (u._) {
    case 'update.message': {
      const m = u.message
      let n = 320 + (m.text ? 3 * m.text.length : 0)
      if (m.file) n += 400 + 3 * (m.file.name.length + m.file.mime.length) + (m.file.thumbnail?.length ?? 0)
      return n
    }
    case 'update.secret':
    case 'update.secretEphemeral': {
      const e = u.envelope
      return 400 + e.data.length + (e.init ? 520 : 0)
    }
    case 'update.deleted':
      return 120 + 17 * u.ids.length
    default:
      return 256
  }
}

/** Splits `updates` into frames of at most {@link MAX_UPDATES_PER_FRAME} and `budget` estimated bytes. */
export function splitUpdates(updates: readonly Update[], budget: number): Update[][] {
  const frames: Update[][] = []
  let cur: Update[] = []
  let size = 0
  for (const u of updates) {
    const s = estimateSize(u)
    if (cur.length > 0 && (cur.length >= MAX_UPDATES_PER_FRAME || size + s > budget)) {
      frames.push(cur)
      cur = []
      size = 0
    }
    cur.push(u)
    size += s
  }
  if (cur.length) frames.push(cur)
  return frames
}

/** The highest pts among `updates`, or `floor`. */
export function maxPts(updates: readonly Update[], floor: number): number {
  let pts = floor
  for (const u of updates) if ('pts' in u && u.pts > pts) pts = u.pts
  return pts
}
