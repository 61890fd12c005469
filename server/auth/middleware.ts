/**
 * Koa middleware that requires `Authorization: Bearer <session token | host JWT>` and puts the
 * {@link AuthContext} on `ctx.state.auth`. Failures are UNAUTHORIZED (401) with a
 * `WWW-Authenticate: Bearer` header (RFC 6750 §3).
 * @module
 */
import type { Middleware } from 'koa'
import { MtChatError } from '../../sdk/errors.js'
import type { AuthContext, Authenticator } from './authenticate.js'

/** State of an authenticated request. */
export interface AuthState {
  auth: AuthContext
}

/** Requires a valid bearer credential. */
export function requireAuth(authenticator: Authenticator): Middleware<AuthState> {
  return async (ctx, next) => {
    try {
      ctx.state.auth = await authenticator.fromHeader(ctx.get('authorization') || undefined)
    } catch (err) {
      if (MtChatError.is(err, 'UNAUTHORIZED')) ctx.set('WWW-Authenticate', 'Bearer realm="mt-chat"')
      throw err
    }
    await next()
  }
}
