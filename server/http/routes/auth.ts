/**
 * `/v1/auth/*` (docs/PROTOCOL.md §6): register, verify, login, logout, host-JWT sign-in, one-time
 * codes, password reset, TOTP. Account endpoints are rate-limited per IP; password logins are also
 * guarded by the per-account/per-IP lockout.
 * @module
 */
import { Router, type RouterMiddleware } from '@koa/router'
import * as v from 'valibot'
import { requireAuth, type AuthState } from '../../auth/middleware.js'
import { clientIp, type AuthedContext, type HttpDeps } from '../context.js'
import { parse } from '../validate.js'

const password = v.pipe(v.string(), v.minLength(8, 'at least 8 characters'), v.maxLength(256, 'at most 256 characters'))
const login = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(254))
const code6 = v.pipe(v.string(), v.regex(/^\d{6}$/, 'expected 6 digits'))

/** `POST /v1/auth/register` body. */
export const RegisterSchema = v.strictObject({
  username: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9_]{2,31}$/, '3–32 letters, digits or _, starting with a letter'))),
  email: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(254), v.email('expected an email address'))),
  phone: v.optional(v.pipe(v.string(), v.regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number like +15551234567'))),
  password,
  display_name: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(64))),
})

const LoginSchema = v.strictObject({ login, password: v.pipe(v.string(), v.minLength(1), v.maxLength(256)), totp: v.optional(code6) })
const JwtSchema = v.strictObject({ jwt: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)) })
const VerifySchema = v.strictObject({ login, code: code6 })
const OtpSchema = v.strictObject({ login, purpose: v.optional(v.picklist(['reset', 'verify']), 'reset') })
const ResetSchema = v.strictObject({ login, code: code6, password })
const TotpCodeSchema = v.strictObject({ code: code6 })

/** Routes under /auth. */
export function authRouter(deps: HttpDeps): Router {
  const r = new Router()
  const { accounts } = deps.services
  const auth = requireAuth(deps.services.auth)
  const limited: RouterMiddleware = async (ctx, next) => {
    deps.authLimiter.hit(`ip:${clientIp(ctx)}`, `${ctx.method} ${ctx.path}`)
    await next()
  }

  r.post('/auth/register', limited, async (ctx) => {
    const out = await accounts.register(parse(RegisterSchema, ctx.request.body, 'body'), clientIp(ctx))
    ctx.status = 'token' in out ? 201 : 202
    ctx.body = out
  })

  r.post('/auth/login', limited, async (ctx) => {
    ctx.body = await accounts.login(parse(LoginSchema, ctx.request.body, 'body'), clientIp(ctx))
  })

  r.post('/auth/logout', auth, async (ctx) => {
    await accounts.logout((ctx as unknown as AuthedContext).state.auth, clientIp(ctx))
    ctx.status = 204
  })

  r.post('/auth/jwt', limited, async (ctx) => {
    ctx.body = await accounts.jwtSignIn(parse(JwtSchema, ctx.request.body, 'body').jwt, clientIp(ctx))
  })

  r.post('/auth/verify', limited, async (ctx) => {
    const body = parse(VerifySchema, ctx.request.body, 'body')
    await accounts.verify(body.login, body.code, clientIp(ctx))
    ctx.status = 204
  })

  r.post('/auth/otp', limited, async (ctx) => {
    const body = parse(OtpSchema, ctx.request.body, 'body')
    await accounts.requestCode(body.login, body.purpose, clientIp(ctx))
    ctx.status = 202
    ctx.body = {}
  })

  r.post('/auth/reset', limited, async (ctx) => {
    const body = parse(ResetSchema, ctx.request.body, 'body')
    await accounts.reset(body.login, body.code, body.password, clientIp(ctx))
    ctx.status = 204
  })

  r.post('/auth/totp', auth, async (ctx) => {
    ctx.body = await accounts.totpSetup((ctx as unknown as AuthedContext).state.auth.user)
  })

  r.post('/auth/totp/verify', auth, async (ctx) => {
    const { code } = parse(TotpCodeSchema, ctx.request.body, 'body')
    const { user } = (ctx as unknown as AuthedContext).state.auth
    await accounts.totpEnable(await deps.services.auth.reload(user.id), code, clientIp(ctx))
    ctx.status = 204
  })

  r.post('/auth/totp/disable', auth, async (ctx) => {
    const { code } = parse(TotpCodeSchema, ctx.request.body, 'body')
    const { user } = (ctx as unknown as AuthedContext).state.auth
    await accounts.totpDisable(await deps.services.auth.reload(user.id), code, clientIp(ctx))
    ctx.status = 204
  })

  return r
}

export type { AuthState }
