/**
 * Links host-site users to relay accounts: a verified JWT's `sub` is the account's `external_id`;
 * the first sight creates the account (display name from `name`, and the username from
 * `preferred_username` when it is valid and free); later sign-ins refresh the display name.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Store } from '../store/store.js'
import { createUser, findUserByExternalId, findUserByLogin, updateUser, type UserRow } from '../store/users.js'
import type { HostClaims } from './jwt.js'

const USERNAME = /^[a-z][a-z0-9_]{2,31}$/

/** The account of a host user, created on first sight. */
export async function hostUser(store: Store, claims: HostClaims, now: number): Promise<{ user: UserRow; created: boolean }> {
  const existing = await findUserByExternalId(store.knex, claims.sub)
  if (existing) {
    if (existing.display_name !== claims.name) {
      await updateUser(store.knex, existing.id, { display_name: claims.name })
      existing.display_name = claims.name
    }
    return { user: existing, created: false }
  }
  const wanted = claims.preferred_username?.toLowerCase()
  const username = wanted && USERNAME.test(wanted) && !(await findUserByLogin(store.knex, wanted)) ? wanted : undefined
  try {
    const user = await store.transaction((trx) => createUser(trx, { external_id: claims.sub, display_name: claims.name, username, verified: true }, now))
    return { user, created: true }
  } catch (err) {
    // Two first sign-ins of the same host user raced: the other one created it.
    const raced = MtChatError.is(err, 'CONFLICT') ? await findUserByExternalId(store.knex, claims.sub) : undefined
    if (raced) return { user: raced, created: false }
    throw err
  }
}
