/**
 * Turns stored rows into the wire JSON of docs/PROTOCOL.md §3: opens sealed message bodies and
 * derives a message's receipt state from the recipient's chat pointers.
 * @module
 */
import type { StorageCipher } from '../store/cipher.js'
import type { ChatRow } from '../store/chats.js'
import type { EnvelopeRow } from '../store/envelopes.js'
import type { MessageRow } from '../store/messages.js'
import type { CloudMessageJson, FileRefJson, MessageStatus, SecretEnvelopeJson, SecretInitJson } from './update-types.js'

/** What a cloud message's sealed body holds. */
export interface MessageContent {
  text?: string
  reply_to?: number
  file?: FileRefJson
}

/** Associated data binding a body to its sender and random_id (see `store/cipher.ts`). */
export function messageAad(sender: number, recipient: number, randomId: string): string {
  return `mt-chat/message/v1:${sender}:${recipient}:${randomId}`
}

/** Seals a message body. */
export function sealContent(cipher: StorageCipher, sender: number, recipient: number, randomId: string, content: MessageContent): { keyId: string; blob: Buffer } {
  const body: MessageContent = {}
  if (content.text !== undefined) body.text = content.text
  if (content.reply_to !== undefined) body.reply_to = content.reply_to
  if (content.file !== undefined) body.file = content.file
  return cipher.seal(Buffer.from(JSON.stringify(body), 'utf8'), messageAad(sender, recipient, randomId))
}

/** Opens a message body. */
export function openContent(cipher: StorageCipher, row: Pick<MessageRow, 'sender_id' | 'recipient_id' | 'random_id' | 'key_id' | 'body'>): MessageContent {
  return JSON.parse(cipher.open(row.key_id, row.body, messageAad(row.sender_id, row.recipient_id, row.random_id)).toString('utf8')) as MessageContent
}

/** Receipt state of `row` given the recipient's chat row for the sender. */
export function statusOf(row: Pick<MessageRow, 'id'>, inbox: Pick<ChatRow, 'delivered_max' | 'read_max'> | undefined): MessageStatus {
  if (inbox && row.id <= inbox.read_max) return 'read'
  if (inbox && row.id <= inbox.delivered_max) return 'delivered'
  return 'sent'
}

/** CloudMessage JSON of a row whose content is already open. */
export function messageJson(row: Pick<MessageRow, 'id' | 'random_id' | 'sender_id' | 'recipient_id' | 'date' | 'ttl'>, content: MessageContent, status: MessageStatus): CloudMessageJson {
  const m: CloudMessageJson = { id: Number(row.id), random_id: row.random_id, from: Number(row.sender_id), to: Number(row.recipient_id), date: Number(row.date), status }
  if (content.text !== undefined) m.text = content.text
  if (content.reply_to !== undefined) m.reply_to = content.reply_to
  if (content.file !== undefined) m.file = content.file
  if (row.ttl != null) m.ttl = Number(row.ttl)
  return m
}

/** Renders rows: opens each body and looks up the recipient's pointers in `inboxes` ("recipient:sender"). */
export function renderMessages(cipher: StorageCipher, rows: readonly MessageRow[], inboxes: ReadonlyMap<string, ChatRow>): CloudMessageJson[] {
  return rows.map((r) => messageJson(r, openContent(cipher, r), statusOf(r, inboxes.get(`${r.recipient_id}:${r.sender_id}`))))
}

/** The envelope JSON of `update.secret`. */
export function envelopeJson(row: Pick<EnvelopeRow, 'id' | 'sender_id' | 'sender_device' | 'chat_id' | 'random_id' | 'data' | 'init' | 'date'>): SecretEnvelopeJson {
  const e: SecretEnvelopeJson = {
    id: Number(row.id),
    from: Number(row.sender_id),
    from_device: row.sender_device,
    chat_id: row.chat_id,
    random_id: row.random_id,
    data: Buffer.from(row.data).toString('base64'),
    date: Number(row.date),
  }
  if (row.init) e.init = JSON.parse(row.init) as SecretInitJson
  return e
}
