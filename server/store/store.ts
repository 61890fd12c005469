/**
 * The relay's storage handle: the database (SQLite or PostgreSQL), its migrations, the at-rest
 * cipher and the file chunk store. Repositories are plain functions over a {@link Db} (the knex
 * instance or a transaction), so services decide what runs in one transaction.
 * @module
 */
import { join } from 'node:path'
import type { Knex } from 'knex'
import { MtChatError } from '../../sdk/errors.js'
import type { StorageKey } from '../key-material.js'
import { DbBlobStore, DiskBlobStore, type BlobStore } from './blobs.js'
import { detectSqliteJson } from './bulk.js'
import { StorageCipher } from './cipher.js'
import { isRetryable, openDatabase, type Dialect } from './db.js'
import { migrateLatest } from './migrations/index.js'

/** Options of {@link Store.open}. */
export interface StoreOptions {
  databaseUrl?: string
  dataDir: string
  dbSchema?: string
  dbPoolMax?: number
  storageKeys: readonly StorageKey[]
  fileStorage: 'disk' | 'db'
}

/** Database, migrations, at-rest cipher and blob store. */
export class Store {
  private closed = false

  private constructor(
    /** The knex instance for writes and transactions (use repositories where one exists). */
    readonly knex: Knex,
    /**
     * For pure reads that need not see an open transaction's writes: on SQLite a pool of read-only
     * connections beside the single writer (WAL), on PostgreSQL the same pool as `knex`.
     */
    readonly reader: Knex,
    readonly dialect: Dialect,
    /** Where the data lives, without credentials. */
    readonly location: string,
    readonly cipher: StorageCipher,
    readonly blobs: BlobStore,
  ) {}

  /** Opens the database (not yet migrated). */
  static async open(options: StoreOptions): Promise<Store> {
    const db = await openDatabase(options)
    if (db.dialect === 'sqlite') await detectSqliteJson(db.knex)
    const blobs = options.fileStorage === 'db' ? new DbBlobStore() : new DiskBlobStore(join(options.dataDir, 'files'))
    return new Store(db.knex, db.reader, db.dialect, db.location, new StorageCipher(options.storageKeys), blobs)
  }

  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]> {
    return migrateLatest(this.knex)
  }

  /**
   * Runs `fn` in a transaction, retrying (up to `retries` times, with a short jittered backoff)
   * when the database reports a deadlock, serialization failure or busy lock: `fn` must be safe
   * to run again, which holds for everything that only touches the database.
   */
  async transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>, retries = 3): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.knex.transaction(fn)
      } catch (err) {
        if (attempt >= retries || !isRetryable(err)) throw err
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)))
      }
    }
  }

  /** Throws UNAVAILABLE unless the database answers. */
  async ping(): Promise<void> {
    if (this.closed) throw new MtChatError('UNAVAILABLE', 'storage is closed')
    try {
      await this.knex.raw('SELECT 1')
    } catch (cause) {
      throw new MtChatError('UNAVAILABLE', 'storage is unreachable', { cause })
    }
  }

  /** Closes the pool and zeroizes the at-rest keys. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.reader !== this.knex) await this.reader.destroy()
    await this.knex.destroy()
    this.cipher.destroy()
  }
}
