/**
 * Sync: `updates.getState` and `updates.getDifference(pts)` (docs/PROTOCOL.md §3, §3.1) — the
 * offline queue for cloud and secret chats alike. The counter is read first and the log only up to
 * it, so a difference never skips an update that commits meanwhile (see `store/updates.ts`).
 * Secret envelopes of the asking device are merged in by pts; envelopes for other devices leave
 * gaps, which is why the final pts returned is the counter, not the last update's.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import { getChats } from '../store/chats.js'
import { readEnvelopes } from '../store/envelopes.js'
import { getMessagesByIds } from '../store/messages.js'
import type { Store } from '../store/store.js'
import { currentPts, readUpdates } from '../store/updates.js'
import { envelopeJson, messageJson, openContent, statusOf } from './render.js'
import type { StoredUpdate } from './update-types.js'

/** A page of the difference. */
export interface Difference {
  updates: StoredUpdate[]
  /** Store this and ask again from it while `more` is true. */
  pts: number
  more: boolean
}

/** Reads users' update logs. */
export class UpdateService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** The user's current pts and the relay's time. */
  async getState(userId: number): Promise<{ pts: number; date: number }> {
    return { pts: await currentPts(this.deps.store.reader, userId), date: this.deps.clock.now() }
  }

  /**
   * Updates after `pts`, at most `limit` (1..500, default 100). With `deviceId`, that device's
   * pending secret envelopes are included. Updates about messages deleted or hidden since are
   * left out (the later `update.deleted` says why).
   */
  async getDifference(userId: number, o: { pts: number; limit?: number; deviceId?: string }): Promise<Difference> {
    const limit = o.limit ?? 100
    if (!Number.isSafeInteger(o.pts) || o.pts < 0) throw new MtChatError('BAD_REQUEST', 'pts must be a non-negative integer')
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) throw new MtChatError('BAD_REQUEST', 'limit must be 1..500')
    const db = this.deps.store.reader
    const state = await currentPts(db, userId)
    if (o.pts >= state) return { updates: [], pts: state, more: false }
    const [log, envelopes] = await Promise.all([
      readUpdates(db, userId, o.pts, state, limit + 1),
      o.deviceId ? readEnvelopes(db, userId, o.deviceId, o.pts, state, limit + 1) : Promise.resolve([]),
    ])
    type Item = { pts: number; log?: (typeof log)[number]; env?: (typeof envelopes)[number] }
    const merged: Item[] = [...log.map((l) => ({ pts: l.pts, log: l })), ...envelopes.map((e) => ({ pts: e.pts, env: e }))].sort((a, b) => a.pts - b.pts)
    const more = merged.length > limit
    const page = merged.slice(0, limit)

    const messageIds = page.flatMap((i) => (i.log?.kind === 'message' && i.log.ref_id != null ? [i.log.ref_id] : []))
    const messages = new Map((await getMessagesByIds(db, messageIds)).map((m) => [Number(m.id), m]))
    const peers = [...new Set([...messages.values()].map((m) => (m.sender_id === userId ? m.recipient_id : m.sender_id)))]
    const chats = await getChats(db, peers.flatMap((p) => [[userId, p] as const, [p, userId] as const]))

    const updates: StoredUpdate[] = []
    for (const item of page) {
      if (item.env) {
        updates.push({ _: 'update.secret', pts: item.pts, envelope: envelopeJson(item.env) })
        continue
      }
      const l = item.log!
      if (l.kind === 'message') {
        const m = l.ref_id == null ? undefined : messages.get(l.ref_id)
        if (!m) continue
        const mine = m.sender_id === userId
        const peer = mine ? m.recipient_id : m.sender_id
        const cleared = chats.get(`${userId}:${peer}`)?.cleared_max ?? 0
        if ((mine ? m.hidden_sender : m.hidden_recipient) || m.id <= cleared) continue
        const message = messageJson(m, openContent(this.deps.store.cipher, m), statusOf(m, chats.get(`${m.recipient_id}:${m.sender_id}`)))
        updates.push({ _: 'update.message', pts: l.pts, message })
      } else updates.push({ _: `update.${l.kind}`, pts: l.pts, ...(JSON.parse(l.data ?? '{}') as object) } as StoredUpdate)
    }
    return { updates, pts: more ? page[page.length - 1].pts : state, more }
  }
}
