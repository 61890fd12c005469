/**
 * `/v1/files` (docs/PROTOCOL.md §5, §6): resumable chunked upload of opaque encrypted blobs and
 * streamed download. A chunk is `application/octet-stream`, read with a hard cap at its expected
 * length (a longer body is 413 before it is buffered; a shorter one 400). Rules in
 * `services/files.ts`.
 * @module
 */
import { Router } from '@koa/router'
import type { IncomingMessage } from 'node:http'
import * as v from 'valibot'
import { MtChatError } from '../../../sdk/errors.js'
import { requireAuth } from '../../auth/middleware.js'
import { clientIp, type AuthedContext, type HttpDeps } from '../context.js'
import { intString, parse } from '../validate.js'

const CreateSchema = v.strictObject({
  size: v.pipe(v.number(), v.integer('expected an integer'), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER)),
  mime: v.optional(v.pipe(v.string(), v.maxLength(255), v.regex(/^[\w.+-]+\/[\w.+-]+$/, 'expected a MIME type'))),
})
const ShareSchema = v.strictObject({ peer: v.pipe(v.number(), v.integer(), v.minValue(1)) })
// Unknown ids and ids of another shape are the same "not found".
const FileParam = v.object({ id: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, 'no such file')) })
const ChunkParam = v.object({ id: FileParam.entries.id, n: intString(0, 2 ** 31) })

/** Reads a request body of at most `max` bytes; PAYLOAD_TOO_LARGE beyond. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > max) throw new MtChatError('PAYLOAD_TOO_LARGE', `the chunk must be ${max} bytes, Content-Length says ${declared}`)
  const parts: Buffer[] = []
  let size = 0
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length
    if (size > max) throw new MtChatError('PAYLOAD_TOO_LARGE', `the chunk is longer than ${max} bytes`)
    parts.push(part)
  }
  return Buffer.concat(parts, size)
}

/** Routes under /files. */
export function filesRouter(deps: HttpDeps): Router {
  const r = new Router()
  const { files, auth } = deps.services
  r.use('/files', requireAuth(auth))
  const me = (ctx: unknown) => (ctx as AuthedContext).state.auth.user.id

  r.post('/files', async (ctx) => {
    const body = parse(CreateSchema, ctx.request.body, 'body')
    ctx.status = 201
    ctx.body = await files.create(me(ctx), body.size, body.mime)
  })

  r.put('/files/:id/chunks/:n', async (ctx) => {
    const { id, n } = parse(ChunkParam, ctx.params, 'params')
    if (!ctx.is('application/octet-stream')) throw new MtChatError('BAD_REQUEST', 'a chunk must be sent as application/octet-stream', { details: { status: 415 } })
    const expected = await files.expectChunk(me(ctx), id, n)
    await files.putChunk(me(ctx), id, n, await readBody(ctx.req, expected))
    ctx.status = 204
  })

  r.get('/files/:id/status', async (ctx) => {
    ctx.body = await files.status(me(ctx), parse(FileParam, ctx.params, 'params').id)
  })

  r.post('/files/:id/complete', async (ctx) => {
    ctx.body = await files.complete(me(ctx), parse(FileParam, ctx.params, 'params').id)
  })

  r.post('/files/:id/share', async (ctx) => {
    const { id } = parse(FileParam, ctx.params, 'params')
    await files.share(me(ctx), id, parse(ShareSchema, ctx.request.body, 'body').peer, clientIp(ctx))
    ctx.status = 204
  })

  r.get('/files/:id', async (ctx) => {
    const blob = await files.open(me(ctx), parse(FileParam, ctx.params, 'params').id)
    ctx.type = 'application/octet-stream'
    ctx.length = blob.size
    ctx.set('Cache-Control', 'private, no-store')
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.body = blob.stream
  })

  return r
}
