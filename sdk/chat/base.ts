/**
 * What secret and cloud chat handles share: the EventEmitter, the peer reference resolved on first
 * use, argument checks at the public edge, and local history/search helpers.
 * @module
 */
import { EventEmitter } from 'eventemitter3'
import { MtChatError } from '../errors.js'
import type { PeerRef } from '../client/peers.js'
import { checkPeerRef } from '../client/peers.js'
import type { ChatContext } from './context.js'
import type { ChatEvents, ChatKind, HistoryOptions, Message, SendFileOptions, SendOptions } from './types.js'

/** Largest text of one message (docs/PROTOCOL.md §3). */
export const MAX_TEXT = 4096

/** Largest caption of a file (docs/PROTOCOL.md §4.3 field rules). */
const MAX_CAPTION = 1024

/** What `send` and `sendFile` share: a self-destruct timer and the message replied to. */
function checkExtras(o: { ttl?: number; replyTo?: string }, op: string): void {
  if (o.ttl !== undefined && !(Number.isInteger(o.ttl) && o.ttl > 0 && o.ttl <= 365 * 86400))
    throw new MtChatError('INVALID_ARGUMENT', '"ttl" expected whole seconds, 1 s .. 1 year', { op })
  if (o.replyTo !== undefined && !/^[0-9a-f]{16}$/.test(o.replyTo)) throw new MtChatError('INVALID_ARGUMENT', '"replyTo" expected a message id', { op })
}

/** Normalizes `send`'s argument; INVALID_ARGUMENT on a bad one. */
export function normalizeSend(m: string | SendOptions): SendOptions {
  const o = typeof m === 'string' ? { text: m } : m
  if (!o || typeof o.text !== 'string' || o.text.length === 0 || o.text.length > MAX_TEXT)
    throw new MtChatError('INVALID_ARGUMENT', `"text" expected 1..${MAX_TEXT} characters`, { op: 'chat.send' })
  checkExtras(o, 'chat.send')
  return o
}

/** Checks `sendFile`'s options (the source is checked by the uploader). */
export function checkFileOptions(o: SendFileOptions): void {
  checkExtras(o, 'chat.sendFile')
  if (o.caption !== undefined && (typeof o.caption !== 'string' || o.caption.length > MAX_CAPTION))
    throw new MtChatError('INVALID_ARGUMENT', `"caption" expected at most ${MAX_CAPTION} characters`, { op: 'chat.sendFile' })
}

/** Checks `history`'s options; returns the limit. */
export function historyLimit(o: HistoryOptions = {}): number {
  const limit = o.limit ?? 50
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new MtChatError('INVALID_ARGUMENT', '"limit" expected 1..100', { op: 'chat.history' })
  if (o.before !== undefined && typeof o.before !== 'string') throw new MtChatError('INVALID_ARGUMENT', '"before" expected a message id', { op: 'chat.history' })
  return limit
}

/** Checks a message id argument. */
export function checkId(id: unknown, op: string): asserts id is string {
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) throw new MtChatError('INVALID_ARGUMENT', '"id" expected a message id (16 hex)', { op })
}

/** The common part of both chat handles. */
export abstract class ChatBase extends EventEmitter<ChatEvents> {
  abstract readonly kind: ChatKind
  readonly peer: PeerRef
  protected readonly ctx: ChatContext
  #id: Promise<number> | undefined
  #resolved: number | undefined

  constructor(ctx: ChatContext, peer: PeerRef) {
    super()
    checkPeerRef(peer)
    this.ctx = ctx
    this.peer = peer
  }

  /** The peer's user id, resolved once (by username through the relay, then from storage). */
  peerId(): Promise<number> {
    return (this.#id ??= this.ctx.peers.resolveId(this.peer).then(
      (id) => {
        this.#resolved = id
        this.ctx.bind(this, id)
        return id
      },
      (err) => {
        this.#id = undefined
        throw err
      },
    ))
  }

  /** The resolved id, if already known (no I/O). */
  get resolvedId(): number | undefined {
    return this.#resolved
  }

  protected async locate(id: string, op: string): Promise<NonNullable<Awaited<ReturnType<ChatContext['history']['get']>>>> {
    checkId(id, op)
    const found = await this.ctx.history.get(id)
    const peer = await this.peerId()
    if (!found || found.record.peer !== peer || found.record.kind !== this.kind)
      throw new MtChatError('NOT_FOUND', `no message ${id} in this chat`, { op })
    return found
  }

  protected async localHistory(o?: HistoryOptions): Promise<Message[]> {
    const limit = historyLimit(o)
    const peer = await this.peerId()
    const before = o?.before ? (await this.locate(o.before, 'chat.history')).key : undefined
    return (await this.ctx.history.list(this.kind, peer, limit, before)).map((l) => this.ctx.toMessage(l.record))
  }

  protected async localSearch(text: string, limit = 50): Promise<Message[]> {
    if (typeof text !== 'string' || text.length === 0 || text.length > 256)
      throw new MtChatError('INVALID_ARGUMENT', '"text" expected 1..256 characters', { op: 'chat.search' })
    const peer = await this.peerId()
    return (await this.ctx.history.search(this.kind, peer, text, limit)).map((l) => this.ctx.toMessage(l.record))
  }
}
