/**
 * Multi-row statements for the group-commit hot path, one per batch instead of one per chunk:
 * - SQLite: a plain `INSERT … VALUES (…), (…)` (knex emits `SELECT … UNION ALL` chains, which cost
 *   more to parse and cap at 500 rows), chunked under the 32 766 bound-variable limit.
 * - PostgreSQL: the whole batch as one JSON parameter expanded by `json_to_recordset`, so the
 *   statement has a handful of parameters whatever the batch size (thousands of `$n` are slow to
 *   parse and plan). Byte columns travel as hex and are decoded in SQL.
 * Lookups by composite key use the same trick on PostgreSQL (a join instead of a long row-value
 * IN list, which the planner turns into one index probe per key).
 * @module
 */
import { dialectOf } from './dialect.js'
import { chunk, rawRows, type Db } from './db.js'

/** A column of a bulk statement and its PostgreSQL type. */
export interface BulkColumn {
  name: string
  pg: 'int' | 'bigint' | 'text' | 'bytea' | 'boolean'
}

const SQLITE_MAX_VARS = 32_000
const SQLITE_MAX_ROWS = 500

function pgRecordset(columns: readonly BulkColumn[], rows: readonly Record<string, unknown>[]): { select: string; json: string } {
  const json = JSON.stringify(
    rows.map((r) => {
      const o: Record<string, unknown> = {}
      for (const c of columns) {
        const v = r[c.name]
        o[c.name] = c.pg === 'bytea' && v != null ? Buffer.from(v as Uint8Array).toString('hex') : (v ?? null)
      }
      return o
    }),
  )
  const defs = columns.map((c) => `${c.name} ${c.pg === 'bytea' ? 'text' : c.pg}`).join(', ')
  const cols = columns.map((c) => (c.pg === 'bytea' ? `decode(x.${c.name}, 'hex')` : `x.${c.name}`)).join(', ')
  return { select: `SELECT ${cols} FROM json_to_recordset(CAST(? AS json)) AS x(${defs})`, json }
}

/**
 * Inserts `rows` (objects keyed by column name) into `table`; with `conflict`, rows that collide
 * on those columns are skipped; with `returning`, the inserted rows' columns come back (in no
 * particular order).
 */
export async function bulkInsert<R = Record<string, unknown>>(
  db: Db,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly Record<string, unknown>[],
  o: { conflict?: readonly string[]; returning?: readonly string[] } = {},
): Promise<R[]> {
  if (rows.length === 0) return []
  const names = columns.map((c) => c.name).join(', ')
  const tail = `${o.conflict ? ` ON CONFLICT (${o.conflict.join(', ')}) DO NOTHING` : ''}${o.returning ? ` RETURNING ${o.returning.join(', ')}` : ''}`
  if (dialectOf(db) === 'pg') {
    const { select, json } = pgRecordset(columns, rows)
    return rawRows<R>(db, `INSERT INTO ${table} (${names}) ${select}${tail}`, [json])
  }
  const out: R[] = []
  const tuple = `(${columns.map(() => '?').join(', ')})`
  for (const part of chunk(rows, Math.max(1, Math.min(SQLITE_MAX_ROWS, Math.floor(SQLITE_MAX_VARS / columns.length))))) {
    const bindings = part.flatMap((r) => columns.map((c) => (r[c.name] ?? null) as never))
    const res = await rawRows<R>(db, `INSERT INTO ${table} (${names}) VALUES ${part.map(() => tuple).join(', ')}${tail}`, bindings)
    out.push(...res)
  }
  return out
}

/** Rows of `table` whose `keyColumns` equal one of `keys` (composite-key lookup). */
export async function selectByKeys<R = Record<string, unknown>>(db: Db, table: string, keyColumns: readonly BulkColumn[], keys: readonly (readonly unknown[])[]): Promise<R[]> {
  if (keys.length === 0) return []
  if (dialectOf(db) === 'pg') {
    const rows = keys.map((k) => Object.fromEntries(keyColumns.map((c, i) => [c.name, k[i]])))
    const { select, json } = pgRecordset(keyColumns, rows)
    const on = keyColumns.map((c) => `t.${c.name} = k.${c.name}`).join(' AND ')
    return rawRows<R>(db, `SELECT t.* FROM ${table} t JOIN (${select}) AS k ON ${on}`, [json])
  }
  const out: R[] = []
  for (const part of chunk(keys, Math.floor(SQLITE_MAX_VARS / keyColumns.length))) {
    const tuple = `(${keyColumns.map(() => '?').join(', ')})`
    const res = await rawRows<R>(
      db,
      `SELECT * FROM ${table} WHERE (${keyColumns.map((c) => c.name).join(', ')}) IN (VALUES ${part.map(() => tuple).join(', ')})`,
      part.flat() as never[],
    )
    out.push(...res)
  }
  return out
}
