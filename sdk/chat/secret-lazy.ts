/**
 * Secret chats are loaded on first use: `secret-runtime.ts` and the layer-2 protocol under it
 * (docs/PROTOCOL.md §4: X3DH start, MTProto 2.0 envelopes, seq_no rules, resends, re-keying) are
 * a chunk of their own, fetched when a page opens a secret chat (the handle asks for it at once,
 * so it arrives while the client connects) or when the first secret envelope, receipt or outbox
 * answer comes in. A page that only uses cloud chats never loads it. Until it is there, no chat is
 * in memory: `stateOf` is `new` and there is nothing to maintain or stop. The complete synchronous
 * crypto provider the layer runs on (`ClientCrypto.full`: noble's curves in a browser) loads with it.
 * @module
 */
import type { MtChatError } from '../errors.js'
import type { RelayedEnvelope, RelayedEphemeralEnvelope } from '../protocol/schemas/updates.js'
import type { OutgoingMessage } from '../protocol/secret/outcomes.js'
import type { MessageRecord, OutboxEntry } from '../client/stores.js'
import type { Tx } from '../client/tx.js'
import { lazy } from '../util/lazy.js'
import type { ChatContext } from './context.js'
import type { SecretRuntime } from './secret-runtime.js'
import type { Message, Verification } from './types.js'

const load = lazy('secret chats', () => import('./secret-runtime.js'))

type SecretEntry = Extract<OutboxEntry, { kind: 'secret' }>

/** What the client and the secret chat handles call: {@link SecretRuntime}'s surface. */
export class LazySecretRuntime {
  readonly #ctx: ChatContext
  #runtime: Promise<SecretRuntime> | undefined
  #loaded: SecretRuntime | undefined
  #stopped = false

  constructor(ctx: ChatContext) {
    this.#ctx = ctx
  }

  #rt(): Promise<SecretRuntime> {
    // The layer's synchronous curves (noble in browsers) come with it.
    return (this.#runtime ??= Promise.all([load(), this.#ctx.provider.full()]).then(
      ([m, crypto]) => {
        const rt = new m.SecretRuntime(this.#ctx, crypto)
        if (this.#stopped) rt.stop()
        return (this.#loaded = rt)
      },
      (err: MtChatError) => {
        this.#runtime = undefined // try again on the next use
        throw err
      },
    ))
  }

  /** Starts fetching the code now (a secret chat handle was made); a failure waits for real use. */
  prefetch(): void {
    this.#rt().catch(() => undefined)
  }

  stateOf(peer: number | undefined): string {
    return this.#loaded?.stateOf(peer) ?? 'new'
  }

  async send(peer: number, message: OutgoingMessage, extra?: Partial<MessageRecord>): Promise<Message> {
    return (await this.#rt()).send(peer, message, extra)
  }

  async typing(peer: number): Promise<void> {
    return (await this.#rt()).typing(peer)
  }

  async markRead(peer: number, upTo?: string): Promise<void> {
    return (await this.#rt()).markRead(peer, upTo)
  }

  async delete(peer: number, ids: string[], forEveryone: boolean): Promise<void> {
    return (await this.#rt()).delete(peer, ids, forEveryone)
  }

  async clear(peer: number, forEveryone: boolean): Promise<void> {
    return (await this.#rt()).clear(peer, forEveryone)
  }

  async rekey(peer: number): Promise<void> {
    return (await this.#rt()).rekey(peer)
  }

  async verify(peer: number): Promise<Verification> {
    return (await this.#rt()).verify(peer)
  }

  async envelope(env: RelayedEnvelope, tx: Tx): Promise<void> {
    return (await this.#rt()).envelope(env, tx)
  }

  async ephemeral(env: RelayedEphemeralEnvelope): Promise<void> {
    return (await this.#rt()).ephemeral(env)
  }

  async sent(entry: SecretEntry, tx: Tx): Promise<void> {
    return (await this.#rt()).sent(entry, tx)
  }

  async failed(entry: SecretEntry, error: MtChatError, tx: Tx): Promise<void> {
    return (await this.#rt()).failed(entry, error, tx)
  }

  async delivered(randomId: string, tx: Tx): Promise<void> {
    return (await this.#rt()).delivered(randomId, tx)
  }

  /** Maintains the chats in memory; none before the runtime is loaded. */
  async maintainAll(): Promise<void> {
    await this.#loaded?.maintainAll()
  }

  stop(): void {
    this.#stopped = true
    this.#loaded?.stop()
  }
}
