/**
 * Multi-row statements for the group-commit hot path, one per batch instead of one per chunk, and
 * each with one parameter whatever the batch size: the rows travel as one JSON text.
 * - SQLite (≥ 3.38): `INSERT … SELECT j.value ->> 0, … FROM json_each(?)`. Binding is the costly
 *   part of a statement in node-sqlite3 (each value is converted on the event-loop thread, ~1 µs
 *   apiece): 11 values per message row cost ~11 µs of the relay's main thread, one JSON text
 *   ~4 µs, and the expansion runs on SQLite's thread instead. Older SQLite gets a plain
 *   `INSERT … VALUES (…), (…)` chunked under the bound-variable limit (knex's own multi-row insert
 *   emits `SELECT … UNION ALL` chains, which cost more to parse and cap at 500 rows).
 * - PostgreSQL: the JSON expanded by `json_to_recordset`, so the statement has a handful of
 *   parameters (thousands of `$n` are slow to parse and plan).
 * Byte columns travel in one BLOB cut with `substr` on SQLite, as hex decoded in SQL on PostgreSQL.
 * Lookups by composite key use the same trick (a join of the JSON keys with the table's unique
 * index: one index probe per key).
 * @module
 */
import type { Knex } from 'knex'
import { dialectOf } from './dialect.js'
import { chunk, rawRows, type Db } from './db.js'

/**
 * Whether this process's SQLite has `->` / `->>` (3.38) for the JSON statements; set
 * by {@link detectSqliteJson} when a database opens (node-sqlite3 bundles a recent SQLite, but it
 * can be built against the system's).
 */
let sqliteJson = true

/** Checks the SQLite version once per opened database (see {@link sqliteJson}). */
export async function detectSqliteJson(knex: Knex): Promise<void> {
  const [row] = (await knex.raw('SELECT sqlite_version() AS v')) as Array<{ v: string }>
  const [major, minor] = row.v.split('.').map(Number)
  sqliteJson = major > 3 || (major === 3 && minor >= 38)
}

/** True when statements on `db` may take their rows as one JSON parameter (see the module comment). */
export function jsonRows(db: Db): boolean {
  return dialectOf(db) === 'pg' || sqliteJson
}

/**
 * `rows` for SQLite's `json_each`: a JSON array of arrays in `columns` order, where a byte column
 * holds `[offset, length]` into one blob of all the batch's bytes. Bound as one BLOB and cut with
 * `substr` in SQL, bytes skip hex encoding in JS and `unhex` in SQLite and halve the JSON: ~3 µs
 * less event-loop time per 300-byte message row than hex.
 */
function sqliteRows(columns: readonly BulkColumn[], rows: readonly Record<string, unknown>[]): { json: string; blob: Buffer | undefined } {
  const out: unknown[][] = new Array(rows.length)
  const parts: Uint8Array[] = []
  let offset = 1 // substr counts from 1
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]
    const a: unknown[] = new Array(columns.length)
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j]
      const v = r[c.name]
      if (v == null) a[j] = null
      else if (c.pg === 'bytea') {
        const b = v as Uint8Array
        a[j] = [offset, b.length]
        parts.push(b)
        offset += b.length
      } else a[j] = v
    }
    out[i] = a
  }
  return { json: JSON.stringify(out), blob: columns.some((c) => c.pg === 'bytea') ? Buffer.concat(parts, offset - 1) : undefined }
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** The select list reading `columns` from `json_each` rows aliased `alias`; one `?` (the blob) per byte column. */
function sqliteSelect(columns: readonly BulkColumn[], alias: string): string {
  return columns.map((c, i) => (c.pg === 'bytea' ? `substr(?, ${alias}.value -> ${i} ->> 0, ${alias}.value -> ${i} ->> 1)` : `${alias}.value ->> ${i}`)).join(', ')
}

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
        o[c.name] = c.pg === 'bytea' && v != null ? hex(v as Uint8Array) : (v ?? null)
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
  // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
  if (sqliteJson) {
    const { json, blob } = sqliteRows(columns, rows)
    const blobs = columns.filter((c) => c.pg === 'bytea').map(() => blob!)
    return rawRows<R>(db, `INSERT INTO ${table} (${names}) SELECT ${sqliteSelect(columns, 'j')} FROM json_each(?) AS j WHERE true${tail}`, [...blobs, json])
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
  if (sqliteJson) {
    // CROSS JOIN fixes the loop order: each key, then one probe of the table's unique index.
    const on = keyColumns.map((c, i) => `t.${c.name} = k.value ->> ${i}`).join(' AND ')
    return rawRows<R>(db, `SELECT t.* FROM json_each(?) AS k CROSS JOIN ${table} AS t ON ${on}`, [JSON.stringify(keys)])
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
