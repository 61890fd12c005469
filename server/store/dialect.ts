/**
 * Which SQL dialect a knex instance or transaction speaks, for the few statements that differ
 * (row locks on PostgreSQL, type casts).
 * @module
 */
import type { Db, Dialect } from './db.js'

/** The dialect of `db`. */
export function dialectOf(db: Db): Dialect {
  return (db as unknown as { client: { dialect: string } }).client.dialect === 'postgresql' ? 'pg' : 'sqlite'
}
