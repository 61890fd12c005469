/**
 * `GET /v1/server-key` (docs/PROTOCOL.md §2.2, §6): the relay's Ed25519 public key, which clients
 * pin as `serverKey` and check every handshake signature against. Public and cacheable; pinning it
 * from this endpoint is only as safe as the TLS in front of it, so apps should ship the key.
 * @module
 */
import { Router } from '@koa/router'
import type { HttpDeps } from '../context.js'

/** /server-key. */
export function serverKeyRouter(deps: HttpDeps): Router {
  const r = new Router()
  const key = Buffer.from(deps.serverKey.publicKey).toString('base64')
  r.get('/server-key', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300')
    ctx.body = { key, algorithm: 'Ed25519' }
  })
  return r
}
