/**
 * Migration 001: every table of the relay (issue 4). Works on SQLite and PostgreSQL.
 *
 * Hot-path notes:
 * - `messages` is found by `(chat_lo, chat_hi, id)` (history, search, read pointers) and deduplicated
 *   by `(sender_id, random_id)`; its body is AES-256-GCM ciphertext under the key named by `key_id`.
 * - Message status is not a column: per chat and direction, `chats.delivered_max` / `read_max` say
 *   up to which id the recipient got/read the peer's messages (Telegram's read_inbox_max_id), so a
 *   receipt updates one row instead of every message. `cleared_max` hides history cleared "for me".
 * - `updates` is the per-user log keyed `(user_id, pts)`; `user_state.pts` is the per-user counter
 *   that allocates pts (row-locked on PostgreSQL). Secret envelopes carry their own pts and are not
 *   copied into `updates`: deleting the envelope on ack is the whole cleanup.
 * @module
 */
import type { Knex } from 'knex'

export const name = '001_initial'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary()
    t.string('username', 32).nullable().unique()
    t.string('email', 254).nullable().unique()
    t.string('phone', 16).nullable().unique()
    t.string('display_name', 64).nullable()
    t.string('password_hash', 255).nullable()
    t.string('external_id', 255).nullable().unique()
    t.boolean('verified').notNullable().defaultTo(true)
    t.boolean('totp_enabled').notNullable().defaultTo(false)
    t.string('totp_key_id', 32).nullable()
    t.binary('totp_secret').nullable()
    t.bigInteger('totp_last_step').nullable()
    t.bigInteger('created_at').notNullable()
  })

  await knex.schema.createTable('user_state', (t) => {
    t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE')
    t.bigInteger('pts').notNullable().defaultTo(0)
    t.bigInteger('last_seen').nullable()
  })

  await knex.schema.createTable('sessions', (t) => {
    t.bigIncrements('id').primary()
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.string('token_hash', 64).notNullable().unique()
    t.string('kind', 16).notNullable()
    t.string('ip', 64).nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('expires_at').notNullable()
    t.bigInteger('revoked_at').nullable()
    t.index(['user_id'])
  })

  await knex.schema.createTable('login_failures', (t) => {
    t.string('scope', 320).primary()
    t.integer('failures').notNullable()
    t.bigInteger('window_start').notNullable()
    t.bigInteger('locked_until').nullable()
  })

  await knex.schema.createTable('otps', (t) => {
    t.bigIncrements('id').primary()
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.string('purpose', 16).notNullable()
    t.string('code_hash', 64).notNullable()
    t.integer('attempts').notNullable().defaultTo(0)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('expires_at').notNullable()
    t.bigInteger('used_at').nullable()
    t.index(['user_id', 'purpose'])
  })

  await knex.schema.createTable('devices', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.string('device_id', 64).notNullable()
    t.binary('identity_key').notNullable()
    t.binary('identity_dh').notNullable()
    t.binary('identity_dh_sig').notNullable()
    t.bigInteger('signed_prekey_id').notNullable()
    t.binary('signed_prekey').notNullable()
    t.binary('signed_prekey_sig').notNullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.bigInteger('last_seen').notNullable()
    t.primary(['user_id', 'device_id'])
  })

  await knex.schema.createTable('one_time_prekeys', (t) => {
    t.integer('user_id').notNullable()
    t.string('device_id', 64).notNullable()
    t.bigInteger('key_id').notNullable()
    t.binary('key').notNullable()
    t.primary(['user_id', 'device_id', 'key_id'])
    t.foreign(['user_id', 'device_id']).references(['user_id', 'device_id']).inTable('devices').onDelete('CASCADE')
  })

  await knex.schema.createTable('files', (t) => {
    t.string('id', 32).primary()
    t.integer('owner_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.bigInteger('size').notNullable()
    t.integer('chunks').notNullable()
    t.string('mime', 255).nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('completed_at').nullable()
    t.index(['owner_id'])
    t.index(['created_at'])
  })

  await knex.schema.createTable('file_chunks', (t) => {
    t.string('file_id', 32).notNullable().references('id').inTable('files').onDelete('CASCADE')
    t.integer('n').notNullable()
    t.integer('size').notNullable()
    t.binary('data').nullable()
    t.primary(['file_id', 'n'])
  })

  await knex.schema.createTable('file_shares', (t) => {
    t.string('file_id', 32).notNullable().references('id').inTable('files').onDelete('CASCADE')
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.bigInteger('created_at').notNullable()
    t.primary(['file_id', 'user_id'])
  })

  await knex.schema.createTable('chats', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.integer('peer_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.bigInteger('delivered_max').notNullable().defaultTo(0)
    t.bigInteger('read_max').notNullable().defaultTo(0)
    t.bigInteger('cleared_max').notNullable().defaultTo(0)
    t.bigInteger('created_at').notNullable()
    t.primary(['user_id', 'peer_id'])
  })

  await knex.schema.createTable('messages', (t) => {
    t.bigIncrements('id').primary()
    t.integer('sender_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.integer('recipient_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.integer('chat_lo').notNullable()
    t.integer('chat_hi').notNullable()
    t.string('random_id', 16).notNullable()
    t.bigInteger('date').notNullable()
    t.string('key_id', 32).notNullable()
    t.binary('body').notNullable()
    t.string('file_id', 64).nullable()
    t.integer('ttl').nullable()
    t.bigInteger('expires_at').nullable()
    t.boolean('hidden_sender').notNullable().defaultTo(false)
    t.boolean('hidden_recipient').notNullable().defaultTo(false)
    t.bigInteger('sender_pts').notNullable()
    t.unique(['sender_id', 'random_id'])
    t.index(['chat_lo', 'chat_hi', 'id'])
  })
  await knex.raw('CREATE INDEX messages_expires_at_index ON messages (expires_at) WHERE expires_at IS NOT NULL')

  await knex.schema.createTable('updates', (t) => {
    t.integer('user_id').notNullable()
    t.bigInteger('pts').notNullable()
    t.string('kind', 16).notNullable()
    t.bigInteger('ref_id').nullable()
    t.text('data').nullable()
    t.bigInteger('date').notNullable()
    t.primary(['user_id', 'pts'])
  })

  await knex.schema.createTable('envelopes', (t) => {
    t.bigIncrements('id').primary()
    t.integer('recipient_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.string('recipient_device', 64).notNullable()
    t.integer('sender_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
    t.string('sender_device', 64).notNullable()
    t.string('chat_id', 16).notNullable()
    t.string('random_id', 16).notNullable()
    t.binary('data').notNullable()
    t.text('init').nullable()
    t.bigInteger('date').notNullable()
    t.bigInteger('pts').notNullable()
    t.unique(['sender_id', 'recipient_id', 'recipient_device', 'random_id'])
    t.index(['recipient_id', 'recipient_device', 'pts'])
  })

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary()
    t.bigInteger('at').notNullable()
    t.string('event', 48).notNullable()
    t.integer('user_id').nullable()
    t.string('ip', 64).nullable()
    t.text('meta').nullable()
    t.index(['at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_log', 'envelopes', 'updates', 'messages', 'chats', 'file_shares', 'file_chunks', 'files',
    'one_time_prekeys', 'devices', 'otps', 'login_failures', 'sessions', 'user_state', 'users',
  ])
    await knex.schema.dropTableIfExists(table)
}
