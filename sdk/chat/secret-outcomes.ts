/**
 * Turns what a secret-chat session hands back (docs/PROTOCOL.md §4; `SecretOutcome`) into local
 * state and events: envelopes to send go into the outbox, delivered messages into history, read
 * receipts / deletes / flush applied to history, and typing, re-key and state changes emitted —
 * all in the caller's transaction, so the session's new state, the outbox and the history commit
 * together. Events fire after the commit.
 * @module
 */
import { MtChatError } from '../errors.js'
import type { ContentMessage, SecretOutcome, UserAction } from '../protocol/secret/index.js'
import type { MessageRecord, SecretRecord } from '../client/stores.js'
import type { Tx } from '../client/tx.js'
import { startTtl } from '../client/ttl.js'
import { advances } from './cloud-updates.js'
import type { ChatContext } from './context.js'

/** Codes of drops that are routine (duplicates, gaps being repaired) and not worth an `error`. */
const QUIET = new Set(['SECRET_DUPLICATE', 'SECRET_GAP'])

/** Adds the envelope of a `send` outcome to the outbox. */
export async function queueEnvelope(
  ctx: ChatContext,
  tx: Tx,
  chat: SecretRecord,
  env: { randomId: string; data: Uint8Array; init?: unknown },
  historyKey?: string,
  fileIds: string[] = [],
): Promise<void> {
  await ctx.outbox.add(tx, {
    kind: 'secret',
    id: env.randomId,
    ...(historyKey ? { historyKey } : {}),
    params: {
      peer: chat.peer,
      device_id: chat.peerDevice,
      chat_id: chat.chatId,
      random_id: env.randomId,
      data: env.data,
      ...(env.init ? { init: env.init as never } : {}),
      ...(fileIds.length ? { file_ids: fileIds } : {}),
    },
  })
}

/** The local record of an incoming message. */
function incoming(chat: SecretRecord, id: string, m: ContentMessage, date: number): MessageRecord {
  const base = { id, kind: 'secret' as const, peer: chat.peer, from: chat.peer, out: false, date, status: 'delivered' as const, chatId: chat.chatId }
  if (m._ === 'text') return { ...base, text: m.text, ...(m.reply_to ? { replyTo: m.reply_to } : {}), ...(m.ttl ? { ttl: m.ttl } : {}) }
  return {
    ...base,
    file: { ...m.file },
    ...(m.caption ? { caption: m.caption } : {}),
    ...(m.reply_to ? { replyTo: m.reply_to } : {}),
    ...(m.ttl ? { ttl: m.ttl } : {}),
  }
}

/** Applies a user action the peer sent. */
async function applyAction(ctx: ChatContext, tx: Tx, chat: SecretRecord, a: UserAction): Promise<void> {
  const peer = chat.peer
  switch (a._) {
    case 'readMessages': {
      const changed: MessageRecord[] = []
      for (const id of a.random_ids) {
        const found = await ctx.history.get(id)
        if (!found || !found.record.out || found.record.peer !== peer || !advances(found.record.status, 'read')) continue
        const rec: MessageRecord = { ...found.record, status: 'read' }
        startTtl(tx, found.key, rec, ctx.now()) // a self-destruct timer starts when the peer has read the message
        ctx.history.put(tx, found.key, rec)
        changed.push(rec)
      }
      tx.after(() => {
        for (const r of changed) ctx.emit('secret', peer, 'status', { id: r.id, status: 'read' })
        if (changed.some((r) => r.expiresAt)) ctx.scheduleTtl()
      })
      return
    }
    case 'deleteMessages': {
      const ids: string[] = []
      for (const id of a.random_ids) {
        const found = await ctx.history.get(id)
        if (!found || found.record.peer !== peer || found.record.kind !== 'secret') continue
        ctx.history.remove(tx, found.key, id)
        ids.push(id)
      }
      if (ids.length) tx.after(() => ctx.emit('secret', peer, 'deleted', { ids, by: 'peer' }))
      return
    }
    case 'flushHistory': {
      const all = await ctx.history.all('secret', peer)
      for (const l of all) ctx.history.remove(tx, l.key, l.record.id)
      tx.after(() => ctx.emit('secret', peer, 'deleted', { ids: all.map((l) => l.record.id), by: 'peer', all: true }))
      return
    }
    case 'setTTL':
    case 'screenshot':
      return // per-message TTLs are what this SDK uses; the rest is for apps that want it later
  }
}

/**
 * Applies `outcomes` of one session call to `tx`. `date` dates delivered messages (the relay's
 * date of the envelope that released them).
 */
export async function applyOutcomes(ctx: ChatContext, tx: Tx, chat: SecretRecord, outcomes: SecretOutcome[], date: number): Promise<void> {
  const peer = chat.peer
  for (const o of outcomes) {
    switch (o.type) {
      case 'send':
        await queueEnvelope(ctx, tx, chat, o.envelope)
        break
      case 'message': {
        if (await ctx.history.get(o.randomId)) break // a re-delivery across chats: keep the first
        const rec = incoming(chat, o.randomId, o.message, date)
        ctx.history.put(tx, await ctx.history.nextSecretKey(peer), rec)
        tx.after(() => ctx.emit('secret', peer, 'message', ctx.toMessage(rec)))
        break
      }
      case 'action':
        await applyAction(ctx, tx, chat, o.action)
        break
      case 'typing':
        tx.after(() => ctx.emit('secret', peer, 'typing', { peer, date: o.date }))
        break
      case 'dropped':
        if (!QUIET.has(o.error.code)) tx.after(() => ctx.emit('secret', peer, 'error', o.error))
        break
      case 'rekeyed':
        tx.after(() => ctx.emit('secret', peer, 'rekeyed', { fingerprint: o.fingerprint }))
        break
      case 'state':
        tx.after(() => {
          ctx.emit('secret', peer, 'state', { ...o.transition })
          if (o.transition.to === 'aborted') ctx.emit('secret', peer, 'aborted', { code: String(o.transition.code), reason: o.transition.reason })
        })
        break
      case 'keyRetired':
        // The old key left the chat state; rewrite storage files so no copy of it lingers (§4.6).
        tx.after(() => void ctx.storage.compact?.().catch((e: unknown) => ctx.error(MtChatError.is(e) ? e : new MtChatError('STORAGE_FAILED', String(e), { op: 'storage.compact', cause: e }))))
        break
      case 'buffered':
      case 'layer':
        break
    }
  }
}
