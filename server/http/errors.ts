/**
 * The one error middleware of the HTTP API: every failure becomes
 * `{ "error": { "code", "message" } }` with the status of `HTTP_STATUS` (sdk/errors.ts).
 * 4xx errors show their message; anything else shows only the generic text of its code, and the
 * details go to the (redacting) log — koa's `err.expose` rule. RATE_LIMITED also sets Retry-After
 * and `retry_after`.
 * @module
 */
import type { Middleware } from 'koa'
import { ERROR_CODES, HTTP_STATUS, MtChatError, type ErrorCode } from '../../sdk/errors.js'
import type { Logger } from '../logger.js'

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'BAD_REQUEST',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
}

/** Converts anything thrown into an MtChatError (koa/http-errors keep their 4xx status). */
export function toMtChatError(err: unknown): MtChatError {
  if (MtChatError.is(err)) return err
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string; type?: string }
  const status = e?.status ?? e?.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = BY_STATUS[status] ?? 'BAD_REQUEST'
    const message = e.type === 'entity.parse.failed' ? 'the body is not valid JSON' : e.expose && e.message ? e.message : ERROR_CODES[code]
    return new MtChatError(code, message, { cause: err, details: { status } })
  }
  return new MtChatError('INTERNAL', undefined, { cause: err })
}

/** Error middleware; also turns unmatched routes into NOT_FOUND. */
export function errorHandler(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next()
      if (ctx.status === 404 && ctx.body == null) throw new MtChatError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`)
    } catch (err) {
      const e = toMtChatError(err)
      const status = e.status
      // Internal-only codes (e.g. STORAGE_FAILED from the at-rest cipher) leave the relay as INTERNAL.
      const code: ErrorCode = status >= 500 && HTTP_STATUS[e.code] === undefined ? 'INTERNAL' : e.code
      const body: { code: ErrorCode; message: string; retry_after?: number } = { code, message: e.expose ? e.message : ERROR_CODES[code] }
      const retryAfter = e.details.retryAfter
      if (typeof retryAfter === 'number') {
        ctx.set('Retry-After', String(retryAfter))
        body.retry_after = retryAfter
      }
      ctx.status = status
      ctx.type = 'application/json'
      ctx.body = { error: body }
      if (status >= 500) log.error({ err: (err as Error)?.stack ? err : e, method: ctx.method, path: ctx.path, code: e.code }, 'request failed')
      else log.debug({ method: ctx.method, path: ctx.path, code: e.code, status }, 'request rejected')
    }
  }
}
