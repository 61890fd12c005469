/**
 * `/v1/chats` (docs/PROTOCOL.md §6): the chat list, history with cursor paging, search, sending a
 * cloud message and read receipts over HTTP (the same group-commit path as the RPCs), and deletes.
 * Every route names only a peer: the pair is always (caller, peer), so another pair's messages
 * cannot even be addressed.
 * @module
 */
import { Router } from '@koa/router'
import * as v from 'valibot'
import { FileRefSchema } from '../../../sdk/protocol/schemas/types.js'
import { requireAuth } from '../../auth/middleware.js'
import type { FileRefJson } from '../../services/update-types.js'
import type { AuthedContext, HttpDeps } from '../context.js'
import { flagString, intString, parse } from '../validate.js'

const PeerParam = v.object({ peer: intString(1) })
const MessageParam = v.object({ peer: intString(1), id: intString(1) })
const ListQuery = v.looseObject({ limit: v.optional(intString(1, 100)) })
const HistoryQuery = v.looseObject({ before: v.optional(intString(1)), limit: v.optional(intString(1, 100)) })
const SearchQuery = v.looseObject({ q: v.pipe(v.string('q is required'), v.minLength(1), v.maxLength(256)), before: v.optional(intString(1)), limit: v.optional(intString(1, 100)) })
const EveryoneQuery = v.looseObject({ everyone: v.optional(flagString) })
const SendSchema = v.pipe(
  v.strictObject({
    random_id: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex characters')),
    text: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
    file: v.optional(v.unknown()),
    reply_to: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    ttl: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(365 * 86_400))),
  }),
  v.check((b) => (b.text === undefined) !== (b.file === undefined), 'give exactly one of text or file'),
)
const ReadSchema = v.strictObject({ max_id: v.pipe(v.number(), v.integer(), v.minValue(1)) })

/** Routes under /chats. */
export function chatsRouter(deps: HttpDeps): Router {
  const r = new Router()
  const { messages, writer, auth } = deps.services
  r.use('/chats', requireAuth(auth))
  const me = (ctx: unknown) => (ctx as AuthedContext).state.auth.user.id

  r.get('/chats', async (ctx) => {
    ctx.body = await messages.listChats(me(ctx), parse(ListQuery, ctx.query, 'query').limit)
  })

  r.get('/chats/:peer/messages', async (ctx) => {
    const { peer } = parse(PeerParam, ctx.params, 'params')
    const q = parse(HistoryQuery, ctx.query, 'query')
    ctx.body = await messages.history(me(ctx), peer, { before: q.before, limit: q.limit })
  })

  r.get('/chats/:peer/search', async (ctx) => {
    const { peer } = parse(PeerParam, ctx.params, 'params')
    const q = parse(SearchQuery, ctx.query, 'query')
    ctx.body = await messages.search(me(ctx), peer, q.q, { limit: q.limit, before: q.before })
  })

  r.post('/chats/:peer/messages', async (ctx) => {
    const { peer } = parse(PeerParam, ctx.params, 'params')
    const body = parse(SendSchema, ctx.request.body, 'body')
    // The FileRef is validated with the protocol schema, then stored exactly as sent.
    if (body.file !== undefined) parse(FileRefSchema, body.file, 'body')
    const result = await writer.submit({
      kind: 'send',
      from: me(ctx),
      to: peer,
      randomId: body.random_id,
      content: { text: body.text, file: body.file as FileRefJson | undefined, reply_to: body.reply_to },
      ttl: body.ttl,
    })
    ctx.status = result.duplicate ? 200 : 201
    ctx.body = { message: result.message, pts: result.pts }
  })

  r.post('/chats/:peer/read', async (ctx) => {
    const { peer } = parse(PeerParam, ctx.params, 'params')
    const { max_id } = parse(ReadSchema, ctx.request.body, 'body')
    const result = await writer.submit({ kind: 'read', userId: me(ctx), peer, maxId: max_id })
    ctx.body = { pts: result.pts }
  })

  r.delete('/chats/:peer/messages/:id', async (ctx) => {
    const { peer, id } = parse(MessageParam, ctx.params, 'params')
    const { everyone } = parse(EveryoneQuery, ctx.query, 'query')
    await messages.deleteMessages(me(ctx), peer, [id], everyone ?? false)
    ctx.status = 204
  })

  r.delete('/chats/:peer', async (ctx) => {
    const { peer } = parse(PeerParam, ctx.params, 'params')
    const { everyone } = parse(EveryoneQuery, ctx.query, 'query')
    await messages.deleteChat(me(ctx), peer, everyone ?? false)
    ctx.status = 204
  })

  return r
}
