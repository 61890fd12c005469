/**
 * Secret chat handles (DESIGN.md "Layer 2"): end-to-end encrypted between this device and one
 * device of the peer; the relay only relays ciphertext. History and search are local only. The
 * handle is returned at once; the key exchange happens on first use (sends wait for it), and
 * works while the peer is offline (its published prekey bundle).
 * @module
 */
import { ChatBase, checkFileOptions, checkId, normalizeSend } from './base.js'
import type { ChatContext } from './context.js'
import type { LazySecretRuntime } from './secret-lazy.js'
import type { PeerRef } from '../client/peers.js'
import type { DeleteOptions, FileSource, HistoryOptions, Message, SecretChat, SendFileOptions, SendOptions, Verification } from './types.js'

/**
 * A secret chat handle (from `client.secretChat(peer)`).
 * @example
 * ```ts
 * const chat = client.secretChat('bob')
 * await chat.send({ text: 'burn after reading', ttl: 30 })
 * const { emoji } = await chat.verify() // compare with Bob's screen
 * ```
 */
export class SecretChatImpl extends ChatBase implements SecretChat {
  readonly kind = 'secret' as const
  readonly #rt: LazySecretRuntime

  constructor(ctx: ChatContext, peer: PeerRef, runtime: LazySecretRuntime) {
    super(ctx, peer)
    this.#rt = runtime
  }

  get state(): string {
    return this.#rt.stateOf(this.resolvedId)
  }

  async send(message: string | SendOptions): Promise<Message> {
    const o = normalizeSend(message)
    const peer = await this.peerId()
    return this.#rt.send(peer, { _: 'text', text: o.text, ...(o.replyTo ? { reply_to: o.replyTo } : {}), ...(o.ttl ? { ttl: o.ttl } : {}) })
  }

  async sendFile(file: FileSource, opts: SendFileOptions = {}): Promise<Message> {
    checkFileOptions(opts)
    const peer = await this.peerId()
    const name = opts.name ?? (file as { name?: string }).name ?? 'file'
    const mime = opts.mime ?? (file as { type?: string }).type ?? 'application/octet-stream'
    const ref = await this.ctx.upload(file, { name, mime, size: opts.size, onProgress: opts.onProgress, signal: opts.signal })
    return this.#rt.send(peer, {
      _: 'file',
      file: ref,
      ...(opts.caption ? { caption: opts.caption } : {}),
      ...(opts.replyTo ? { reply_to: opts.replyTo } : {}),
      ...(opts.ttl ? { ttl: opts.ttl } : {}),
    })
  }

  async typing(): Promise<void> {
    await this.#rt.typing(await this.peerId())
  }

  async markRead(id?: string): Promise<void> {
    if (id !== undefined) checkId(id, 'chat.markRead')
    await this.#rt.markRead(await this.peerId(), id)
  }

  history(opts?: HistoryOptions): Promise<Message[]> {
    return this.localHistory(opts)
  }

  search(text: string, opts: { limit?: number } = {}): Promise<Message[]> {
    return this.localSearch(text, opts.limit)
  }

  async delete(id: string, opts: DeleteOptions = {}): Promise<void> {
    checkId(id, 'chat.delete')
    await this.#rt.delete(await this.peerId(), [id], opts.forEveryone === true)
  }

  async clear(opts: DeleteOptions = {}): Promise<void> {
    await this.#rt.clear(await this.peerId(), opts.forEveryone === true)
  }

  async verify(): Promise<Verification> {
    return this.#rt.verify(await this.peerId())
  }

  async rekey(): Promise<void> {
    await this.#rt.rekey(await this.peerId())
  }
}
