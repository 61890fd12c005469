/**
 * File {@link StorageAdapter}, the Node default: a directory (mode 0700) holding
 * - `snapshot.json` — every store at one point, replaced atomically (temp file, fsync, rename);
 * - `journal.log`   — one line per batch after that point: `crc32 ‖ " " ‖ JSON ops`, fsynced;
 * - `lock`          — the pid of the process that has it open.
 * All files are created with mode 0600. A batch is durable once its promise resolves. On open the
 * journal is replayed over the snapshot up to the first incomplete or corrupt line (a crash while
 * appending), which is cut off: a batch is visible entirely or not at all. Replaying a journal over
 * a snapshot that already contains it gives the same state (ops are absolute), so a crash between
 * the snapshot's rename and the journal's truncation is harmless.
 *
 * Writes that arrive while one is being flushed go out together with one fsync (group commit).
 * The whole state is also kept in memory; this suits a chat client's keys, chats and history.
 * Node only: never reached from the browser entry.
 * @module
 */
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { MtChatError } from '../errors.js'
import { decodeLines, decodeValue, encodeLine, encodeValue, type Json } from './codec.js'
import { prepareOps } from './ops.js'
import { StoreMap } from './store-map.js'
import { checkName } from './range.js'
import type { ListOptions, StorageAdapter, StorageOp, StoredValue } from './types.js'

/** Options of {@link fileStorage}. */
export interface FileStorageOptions {
  /** Directory to keep the data in; created (mode 0700) if missing. */
  path: string
  /** Rewrite the snapshot once the journal grows past this many bytes (default 4 MiB). */
  compactAfterBytes?: number
}

const openPaths = new Set<string>()
const fail = (op: string, cause: unknown) =>
  MtChatError.is(cause) ? cause : new MtChatError('STORAGE_FAILED', `file storage: ${op} failed`, { op: `storage.${op}`, cause })

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

class FileStorage implements StorageAdapter {
  readonly name = 'file'
  readonly #dir: string
  readonly #compactAfter: number
  #data = new StoreMap()
  #journal: FileHandle | undefined
  #journalBytes = 0
  #opening: Promise<void> | undefined
  #closed = false
  #pending: { ops: StorageOp[] | 'clear' | 'compact'; resolve: () => void; reject: (e: unknown) => void }[] = []
  #flushing: Promise<void> | undefined

  constructor(options: FileStorageOptions) {
    if (typeof options?.path !== 'string' || options.path === '')
      throw new MtChatError('INVALID_ARGUMENT', '"path" expected a non-empty string', { op: 'fileStorage' })
    this.#dir = resolve(options.path)
    this.#compactAfter = options.compactAfterBytes ?? 4 << 20
  }

  #ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new MtChatError('INVALID_STATE', 'storage is closed', { op: 'storage' }))
    return (this.#opening ??= this.#load().catch((err) => {
      this.#opening = undefined
      throw fail('open', err)
    }))
  }

  async #load(): Promise<void> {
    if (openPaths.has(this.#dir)) throw new MtChatError('STORAGE_FAILED', `file storage ${this.#dir} is already open in this process`, { op: 'storage.open' })
    await mkdir(this.#dir, { recursive: true, mode: 0o700 })
    await this.#lock()
    openPaths.add(this.#dir)
    try {
      await this.#read()
    } catch (err) {
      await this.#journal?.close().catch(() => undefined)
      this.#journal = undefined
      this.#data = new StoreMap()
      openPaths.delete(this.#dir)
      await rm(join(this.#dir, 'lock'), { force: true })
      throw err
    }
  }

  async #read(): Promise<void> {
    await rm(join(this.#dir, 'snapshot.tmp'), { force: true })
    const snap = await readFile(join(this.#dir, 'snapshot.json'), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined
      throw e
    })
    if (snap !== undefined) {
      const parsed = JSON.parse(snap) as { v: number; stores: Record<string, Record<string, Json>> }
      for (const [store, entries] of Object.entries(parsed.stores))
        for (const [key, value] of Object.entries(entries)) this.#data.store(store, true).set(key, decodeValue(value))
    }
    this.#journal = await open(join(this.#dir, 'journal.log'), 'a+', 0o600)
    const bytes = new Uint8Array(await this.#journal.readFile())
    const { records, validLength } = decodeLines(bytes)
    for (const r of records) this.#replay(r)
    if (validLength < bytes.length) {
      await this.#journal.truncate(validLength)
      await this.#journal.sync()
    }
    this.#journalBytes = validLength
  }

  async #lock(): Promise<void> {
    const path = join(this.#dir, 'lock')
    try {
      await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(await readFile(path, 'utf8').catch(() => ''))
      if (pid && pid !== process.pid && isAlive(pid))
        throw new MtChatError('STORAGE_FAILED', `file storage ${this.#dir} is in use by process ${pid}`, { op: 'storage.open' })
      await writeFile(path, String(process.pid), { mode: 0o600 }) // stale lock of a dead process
    }
  }

  #replay(record: Json): void {
    if (record === 'clear') {
      this.#data.stores.clear()
      return
    }
    for (const op of record as Json[][]) {
      const [kind, store, key, value] = op as [string, string, string, Json]
      if (kind === 's') this.#data.store(store, true).set(key, decodeValue(value))
      else this.#data.store(store)?.delete(key)
    }
  }

  async get<T extends StoredValue = StoredValue>(store: string, key: string): Promise<T | undefined> {
    checkName(store, key)
    await this.#ready()
    return this.#data.get(store, key) as T | undefined
  }

  async list<T extends StoredValue = StoredValue>(store: string, options?: ListOptions): Promise<{ key: string; value: T }[]> {
    checkName(store)
    await this.#ready()
    return this.#data.list(store, options) as { key: string; value: T }[]
  }

  async set(store: string, key: string, value: StoredValue): Promise<void> {
    await this.batch([{ op: 'set', store, key, value }])
  }

  async delete(store: string, key: string): Promise<void> {
    await this.batch([{ op: 'delete', store, key }])
  }

  async batch(ops: StorageOp[]): Promise<void> {
    const prepared = prepareOps(ops)
    await this.#ready()
    if (prepared.length === 0) return
    return this.#enqueue(prepared)
  }

  async clear(): Promise<void> {
    await this.#ready()
    return this.#enqueue('clear')
  }

  /** Rewrites the snapshot and empties the journal, so no superseded value stays on disk. */
  async compact(): Promise<void> {
    await this.#ready()
    return this.#enqueue('compact')
  }

  #enqueue(ops: StorageOp[] | 'clear' | 'compact'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ ops, resolve, reject })
      this.#flushing ??= this.#flush()
    })
  }

  /** Writes everything pending with one append and one fsync, then applies it in memory. */
  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const all = this.#pending.splice(0)
      const compacts = all.filter((g) => g.ops === 'compact')
      const group = all.filter((g) => g.ops !== 'compact')
      if (compacts.length) this.#pending.unshift(...compacts.map((c) => ({ ...c, ops: 'compact' as const })))
      if (group.length === 0) {
        // Only compactions are waiting: run one for all of them.
        const waiting = this.#pending.splice(0).filter((g) => g.ops === 'compact')
        try {
          await this.#compact()
          for (const g of waiting) g.resolve()
        } catch (err) {
          for (const g of waiting) g.reject(fail('compact', err))
        }
        continue
      }
      const lines = group.map((g) =>
        encodeLine(g.ops === 'clear' ? 'clear' : (g.ops as StorageOp[]).map((o) => (o.op === 'set' ? ['s', o.store, o.key, encodeValue(o.value)] : ['d', o.store, o.key]))),
      )
      const size = lines.reduce((n, l) => n + l.length, 0)
      const buf = new Uint8Array(size)
      let off = 0
      for (const l of lines) {
        buf.set(l, off)
        off += l.length
      }
      try {
        await this.#journal!.write(buf)
        await this.#journal!.datasync()
      } catch (err) {
        // Cut back to the last good record so a partial append cannot resurface on the next open.
        await this.#journal!.truncate(this.#journalBytes).catch(() => undefined)
        for (const g of group) g.reject(fail('write', err))
        continue
      }
      this.#journalBytes += size
      for (const g of group) {
        if (g.ops === 'clear') this.#data.stores.clear()
        else if (g.ops !== 'compact') this.#data.apply(g.ops)
        g.resolve()
      }
      if (this.#journalBytes > this.#compactAfter) await this.#compact().catch(() => undefined)
    }
    this.#flushing = undefined
  }

  /** Writes the whole state as a new snapshot, then empties the journal. */
  async #compact(): Promise<void> {
    const stores: Record<string, Record<string, Json>> = {}
    for (const [name, s] of this.#data.stores) {
      const entries: Record<string, Json> = {}
      for (const key of s.keys()) entries[key] = encodeValue(s.values.get(key)!)
      stores[name] = entries
    }
    const tmp = join(this.#dir, 'snapshot.tmp')
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(JSON.stringify({ v: 1, stores }))
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, join(this.#dir, 'snapshot.json'))
    const dir = await open(this.#dir, 'r')
    await dir.sync().finally(() => dir.close())
    await this.#journal!.truncate(0)
    await this.#journal!.sync()
    this.#journalBytes = 0
  }

  async close(): Promise<void> {
    if (this.#closed) return
    const wasOpen = this.#opening
    this.#closed = true
    if (!wasOpen) return
    await wasOpen.catch(() => undefined)
    await this.#flushing
    if (this.#journal) {
      await this.#journal.close()
      this.#journal = undefined
      await rm(join(this.#dir, 'lock'), { force: true })
      openPaths.delete(this.#dir)
    }
  }
}

/**
 * Storage in a directory on disk (Node), crash-safe and private to the user (0700/0600).
 * @example
 * ```ts
 * import { createClient, fileStorage } from 'mt-chat'
 * const client = createClient({ url, serverKey, token, storage: fileStorage({ path: '.mt-chat/alice' }) })
 * ```
 */
export function fileStorage(options: FileStorageOptions): StorageAdapter {
  return new FileStorage(options)
}
