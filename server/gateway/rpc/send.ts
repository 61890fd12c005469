/**
 * `messages.send` and `messages.sendSecret` (docs/PROTOCOL.md §3): the hot path. A cloud message
 * or a stored secret envelope goes to the group committer and is answered only after its
 * transaction committed (✔ = stored, DESIGN "Durability"); a resend with the same random_id gets
 * the stored result. An ephemeral envelope (typing) is pushed to the addressed device if it is
 * online and never stored.
 * @module
 */
import { MtChatError } from '../../../sdk/errors.js'
import type { FileRef, SecretInit } from '../../../sdk/protocol/schemas/types.js'
import type { FileRefJson, SecretInitJson } from '../../services/update-types.js'
import { existingUserIds } from '../../store/users.js'
import { me, type Handler } from './types.js'

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')

/** A decoded FileRef back in its wire form (the store keeps the wire form inside the sealed body). */
export function fileRefJson(f: FileRef): FileRefJson {
  const out: FileRefJson = { file_id: f.file_id, key: b64(f.key), nonce_prefix: b64(f.nonce_prefix), size: f.size, sha256: b64(f.sha256), mime: f.mime, name: f.name }
  if (f.thumbnail) out.thumbnail = b64(f.thumbnail)
  return out
}

/** A decoded SecretInit back in its wire form. */
export function secretInitJson(i: SecretInit): SecretInitJson {
  const out: SecretInitJson = {
    identity_key: b64(i.identity_key),
    identity_dh: b64(i.identity_dh),
    identity_dh_sig: b64(i.identity_dh_sig),
    ephemeral_key: b64(i.ephemeral_key),
    signed_prekey_id: i.signed_prekey_id,
    layer: i.layer,
  }
  if (i.one_time_prekey_id !== undefined) out.one_time_prekey_id = i.one_time_prekey_id
  return out
}

/** `messages.send`. */
export const send: Handler<'messages.send'> = async (ctx, conn, req) => {
  const user = me(conn)
  const content: { text?: string; reply_to?: number; file?: FileRefJson } = {}
  if (req.text !== undefined) content.text = req.text
  if (req.reply_to !== undefined) content.reply_to = req.reply_to
  if (req.file !== undefined) content.file = fileRefJson(req.file)
  const r = await ctx.services.writer.submit({ kind: 'send', from: user.id, to: req.peer, randomId: req.random_id, content, ttl: req.ttl, origin: conn.tag })
  conn.notePts(r.pts)
  return { message: r.message, pts: r.pts }
}

/** `messages.sendSecret`. */
export const sendSecret: Handler<'messages.sendSecret'> = async (ctx, conn, req) => {
  const user = me(conn)
  if (req.ephemeral) {
    if (!(await existingUserIds(ctx.store.reader, [req.peer])).has(req.peer)) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
    const date = ctx.clock.now()
    const envelope: { from: number; from_device: string; chat_id: string; random_id: string; data: string; init?: SecretInitJson; date: number } = {
      from: user.id,
      from_device: user.deviceId,
      chat_id: req.chat_id,
      random_id: req.random_id,
      data: b64(req.data),
      date,
    }
    if (req.init) envelope.init = secretInitJson(req.init)
    ctx.services.bus.publish([{ userId: req.peer, deviceId: req.device_id, update: { _: 'update.secretEphemeral', envelope }, origin: conn.tag }])
    return { date }
  }
  const r = await ctx.services.writer.submit({
    kind: 'sendSecret',
    from: user.id,
    fromDevice: user.deviceId,
    to: req.peer,
    toDevice: req.device_id,
    chatId: req.chat_id,
    randomId: req.random_id,
    data: req.data,
    init: req.init ? secretInitJson(req.init) : undefined,
    fileIds: req.file_ids,
    origin: conn.tag,
  })
  return { date: r.date }
}
