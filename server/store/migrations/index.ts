/**
 * Knex migrations as statically imported TypeScript modules, served through a custom
 * `migrationSource`: knex never scans a directory, so migrations work the same from source (tsx,
 * vitest) and from the rollup bundle in dist/. Add a migration by importing it and appending it.
 * @module
 */
import type { Knex } from 'knex'
import * as m001 from './001_initial.js'

interface MigrationModule {
  name: string
  up(knex: Knex): Promise<void>
  down(knex: Knex): Promise<void>
}

const MIGRATIONS: readonly MigrationModule[] = [m001]

/** The relay's migration source (names are stable: knex records them in knex_migrations). */
export const migrationSource: Knex.MigrationSource<MigrationModule> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => ({ up: m.up, down: m.down }),
}

/** Runs every pending migration; returns the names applied. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource, tableName: 'mt_migrations' })) as [number, string[]]
  return applied
}
