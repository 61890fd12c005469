/**
 * Knex setup for the two supported databases (DESIGN "Store"):
 * - SQLite (default, `<dataDir>/mt-chat.sqlite`): WAL, synchronous=FULL (every commit reaches the
 *   disk: an acked message survives power loss), busy_timeout, foreign keys. One connection: SQLite
 *   has one writer anyway, and a single connection never sees SQLITE_BUSY from itself.
 * - PostgreSQL (`DATABASE_URL`): a pool, a schema via search_path, int8 parsed as JS numbers (ids
 *   and unix-ms timestamps stay below 2^53).
 * @module
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import knexPkg, { type Knex } from 'knex'
import pg from 'pg'

const { knex } = knexPkg

/** The two dialects; SQL that differs between them branches on this. */
export type Dialect = 'sqlite' | 'pg'

/** A knex instance or a transaction: repository functions accept either. */
export type Db = Knex | Knex.Transaction

/** Options of {@link openDatabase}. */
export interface DatabaseOptions {
  databaseUrl?: string
  dataDir: string
  dbSchema?: string
  dbPoolMax?: number
}

/** An open database. */
export interface Database {
  knex: Knex
  /** For pure reads: on SQLite a separate pool of read-only connections, on PostgreSQL `knex`. */
  reader: Knex
  dialect: Dialect
  /** Where it lives, without credentials (for the start banner). */
  location: string
}

const INT8_OID = 20

/** Opens (but does not migrate) the configured database. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const schema = options.dbSchema ?? 'public'
    const types = {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    }
    const db = knex({
      client: 'pg',
      connection: { connectionString: options.databaseUrl, types } as Knex.PgConnectionConfig,
      searchPath: [schema],
      pool: { min: 0, max: options.dbPoolMax ?? 10 },
      acquireConnectionTimeout: 30_000,
    })
    if (schema !== 'public') await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema])
    const u = new URL(options.databaseUrl)
    return { knex: db, reader: db, dialect: 'pg', location: `postgres://${u.host}${u.pathname}?schema=${schema}` }
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  const filename = join(options.dataDir, 'mt-chat.sqlite')
  const db = knex({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.exec(
          'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;',
          (err) => done(err, conn),
        )
      },
    },
    acquireConnectionTimeout: 60_000,
  })
  // WAL lets readers run beside the one writer: reads (sync, history, auth) do not queue behind a
  // group commit that is waiting for its fsync.
  const reader = knex({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 0,
      max: 3,
      afterCreate: (conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.exec('PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;', (err) => done(err, conn))
      },
    },
    acquireConnectionTimeout: 60_000,
  })
  return { knex: db, reader, dialect: 'sqlite', location: filename }
}

/** Rows of a raw statement, whichever the dialect (`UPDATE … RETURNING`, `DELETE … RETURNING`). */
export async function rawRows<T>(db: Db, sql: string, bindings: readonly Knex.RawBinding[]): Promise<T[]> {
  const result = (await db.raw(sql, bindings as Knex.RawBinding[])) as T[] | { rows: T[] }
  return Array.isArray(result) ? result : result.rows
}

/** True when `err` is a unique-constraint violation (SQLITE_CONSTRAINT_UNIQUE / 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string } | undefined
  if (!e) return false
  return e.code === '23505' || (e.code === 'SQLITE_CONSTRAINT' && /UNIQUE|PRIMARY KEY/.test(e.message ?? ''))
}

/** True when a transaction failed for a reason that a retry can fix (deadlock, serialization, busy). */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY'
}

/** Splits `items` into chunks of at most `size` (SQLite caps compound SELECTs at 500 terms). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Normalizes a boolean column (SQLite gives 0/1). */
export function bool(value: unknown): boolean {
  return value === true || value === 1 || value === '1'
}

/**
 * Runs a knex `UPDATE`/`DELETE` builder with `RETURNING` on both dialects (knex's sqlite3 client
 * drops the rows of `del().returning()`).
 */
export async function returningRows<T>(db: Db, builder: Knex.QueryBuilder, columns: readonly string[]): Promise<T[]> {
  const { sql, bindings } = builder.toSQL()
  return rawRows<T>(db, `${sql} returning ${columns.join(', ')}`, bindings as Knex.RawBinding[])
}
