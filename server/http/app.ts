/**
 * The Koa application of the relay: middleware order and the routers of each area, mounted under
 * `/v1` as docs/PROTOCOL.md §6 lists them. Returns the `/v1` router too, so the gateway can add
 * `POST /v1/poll` (and anything else) later: @koa/router matches against its current routes.
 * @module
 */
import { bodyParser } from '@koa/bodyparser'
import cors from '@koa/cors'
import { Router } from '@koa/router'
import Koa from 'koa'
import { accessLog, type InFlight } from './access-log.js'
import type { HttpDeps } from './context.js'
import { errorHandler } from './errors.js'
import { authRouter } from './routes/auth.js'
import { chatsRouter } from './routes/chats.js'
import { filesRouter } from './routes/files.js'
import { healthRouter } from './routes/health.js'
import { keysRouter } from './routes/keys.js'
import { serverKeyRouter } from './routes/server-key.js'
import { updatesRouter } from './routes/updates.js'
import { usersRouter } from './routes/users.js'
import { resolveStaticDir, staticFiles } from './static.js'

/** The app and its `/v1` router. */
export interface RelayApp {
  app: Koa
  /** Routes under /v1; add more with `v1.post('/poll', …)`. */
  v1: Router
}

/** Builds the Koa app. */
export function createApp(deps: HttpDeps, inFlight: InFlight, version: string): RelayApp {
  const { config, log, metrics } = deps
  const app = new Koa({ proxy: config.trustProxy })
  // Every error is answered by errorHandler; koa's own handler only sees socket-level errors.
  app.on('error', (err: Error) => log.debug({ err }, 'koa error'))

  app.use(accessLog(log, metrics, inFlight))
  app.use(errorHandler(log))
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.set('Referrer-Policy', 'no-referrer')
    await next()
  })
  const anyOrigin = config.corsOrigins.includes('*')
  const allowed = new Set(config.corsOrigins.map((o) => o.replace(/\/$/, '')))
  app.use(
    cors({
      origin: anyOrigin ? '*' : (ctx) => (allowed.has(ctx.get('origin')) ? ctx.get('origin') : ''),
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: ['Retry-After', 'X-Request-Id', 'Content-Length'],
      maxAge: 600,
    }),
  )
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: config.maxBody, jsonStrict: true }))

  const v1 = new Router({ prefix: '/v1' })
  for (const area of [authRouter, usersRouter, keysRouter, filesRouter, chatsRouter, updatesRouter, serverKeyRouter]) {
    const r = area(deps)
    v1.use(r.routes())
  }
  app.use(v1.routes())
  app.use(healthRouter(deps).routes())
  app.use(staticFiles({ dir: resolveStaticDir(config.staticDir), serverKey: Buffer.from(deps.serverKey.publicKey).toString('base64'), version }))
  return { app, v1 }
}
