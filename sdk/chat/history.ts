/**
 * The local message store of both chat kinds: secret chats live only here (the relay never sees
 * them in the clear); cloud chats are cached here for offline reading. Records are keyed so the
 * storage's order is chronological (`c:<peer>:<relay id>` for cloud, `~<outbox seq>` for cloud
 * messages not stored by the relay yet, `s:<peer>:<local seq>` for secret), with an index from
 * message id to key.
 * @module
 */
import type { StorageAdapter } from '../storage/types.js'
import { S, pad, stored, type MessageRecord } from '../client/stores.js'
import type { Tx } from '../client/tx.js'

/** A record and where it is stored. */
export interface Located {
  key: string
  record: MessageRecord
}

const prefixOf = (kind: 'secret' | 'cloud', peer: number) => `${kind === 'secret' ? 's' : 'c'}:${peer}:`

/** Reads and writes message records. */
export class History {
  readonly #storage: StorageAdapter
  readonly #secretSeq = new Map<number, number>()

  constructor(storage: StorageAdapter) {
    this.#storage = storage
  }

  /** Key of a cloud message the relay stored. */
  cloudKey(peer: number, serverId: number): string {
    return `c:${peer}:${pad(serverId)}`
  }

  /** Key of a cloud message still in the outbox (sorts after every stored one). */
  pendingKey(peer: number, outboxKey: string): string {
    return `c:${peer}:~${outboxKey}`
  }

  /** The next key for a secret message with `peer` (call under the peer's lock). */
  async nextSecretKey(peer: number): Promise<string> {
    let n = this.#secretSeq.get(peer)
    if (n === undefined) {
      const last = await this.#storage.list(S.history, { prefix: prefixOf('secret', peer), reverse: true, limit: 1 })
      n = last[0] ? Number(last[0].key.slice(prefixOf('secret', peer).length)) : 0
    }
    this.#secretSeq.set(peer, ++n)
    return `s:${peer}:${pad(n, 12)}`
  }

  /** The record of message `id`, if stored. */
  async get(id: string): Promise<Located | undefined> {
    const key = await this.#storage.get<string>(S.msgidx, id)
    if (key === undefined) return undefined
    const record = await this.#storage.get<MessageRecord & Record<string, never>>(S.history, key)
    return record ? { key, record } : undefined
  }

  /** Writes a record (and its index entry) into `tx`. */
  put(tx: Tx, key: string, record: MessageRecord): void {
    tx.set(S.history, key, stored(record))
    tx.set(S.msgidx, record.id, key)
  }

  /** Removes a record (and its index entry) in `tx`. */
  remove(tx: Tx, key: string, id: string): void {
    tx.delete(S.history, key)
    tx.delete(S.msgidx, id)
  }

  /** The `limit` newest records before `beforeKey` (or the newest), oldest first. */
  async list(kind: 'secret' | 'cloud', peer: number, limit: number, beforeKey?: string): Promise<Located[]> {
    const rows = await this.#storage.list<MessageRecord & Record<string, never>>(S.history, {
      prefix: prefixOf(kind, peer),
      reverse: true,
      limit,
      ...(beforeKey ? { after: beforeKey } : {}),
    })
    return rows.reverse().map((r) => ({ key: r.key, record: r.value }))
  }

  /** Every record of a chat, oldest first. */
  async all(kind: 'secret' | 'cloud', peer: number): Promise<Located[]> {
    const rows = await this.#storage.list<MessageRecord & Record<string, never>>(S.history, { prefix: prefixOf(kind, peer) })
    return rows.map((r) => ({ key: r.key, record: r.value }))
  }

  /** Records whose text or file name contains `text` (case-insensitive), newest first. */
  async search(kind: 'secret' | 'cloud', peer: number, text: string, limit: number): Promise<Located[]> {
    const needle = text.toLocaleLowerCase()
    const out: Located[] = []
    for (const l of (await this.all(kind, peer)).reverse()) {
      const hay = `${l.record.text ?? ''}\n${l.record.caption ?? ''}\n${l.record.file?.name ?? ''}`.toLocaleLowerCase()
      if (hay.includes(needle)) out.push(l)
      if (out.length >= limit) break
    }
    return out
  }
}
