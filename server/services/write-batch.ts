/**
 * One group-commit transaction (DESIGN "Durability": everything that arrives in one event-loop turn
 * goes into one transaction, then all its acks go out). Runs any mix of sends, secret envelopes,
 * delivery acks and read receipts with a fixed, small number of statements per batch, whatever its
 * size: users and devices checked in one query each, resends found in one query, pts allocated for
 * every user at once, then multi-row inserts of messages, envelopes, chat rows and updates.
 *
 * Returns per-operation outcomes (a bad operation fails alone) and the deliveries to publish once
 * the transaction committed.
 *
 * Resends are rare, so a batch may assume none (`assumeNew`): it then skips the lookup of stored
 * `(sender, random_id)`s — one statement, and on a busy relay one of the few round trips through
 * the event loop that a transaction is made of — and lets the insert's unique index find them
 * instead. Should it find one, the pts already reserved for it would be a hole in two update
 * logs, so the batch throws {@link ResendFound} and its transaction rolls back; the caller runs it
 * again the careful way. The function is safe to re-run on a retried transaction: it keeps no
 * state outside its return value.
 * @module
 */
import type { Knex } from 'knex'
import { MtChatError, type ErrorCode } from '../../sdk/errors.js'
import type { StorageCipher } from '../store/cipher.js'
import { advanceDeliveredMany, advanceRead, ensureChats, getChat, getChats } from '../store/chats.js'
import { existingDevices } from '../store/devices.js'
import { deleteEnvelopes, envelopeKeyString, findEnvelopes, insertEnvelopes, type EnvelopeKey, type EnvelopeRow } from '../store/envelopes.js'
import { shareCarriedFiles } from '../store/files.js'
import { chatKey, findByRandomIds, getMessageHeads, insertMessages, maxIdFrom, startTtl, type MessageRow, type NewMessageRow } from '../store/messages.js'
import { allocatePts, insertUpdates, type UpdateRow } from '../store/updates.js'
import { existingUserIds } from '../store/users.js'
import { envelopeJson, messageJson, openContent, sealContent, statusOf } from './render.js'
import type { Delivery } from './update-bus.js'
import type { StoredUpdate } from './update-types.js'
import { checkOp, type DeliveredOp, type SendOp, type SendSecretOp, type WriteOp, type WriteOutcome } from './write-ops.js'

/** What one batch produced. */
export interface BatchResult {
  outcomes: WriteOutcome[]
  /** To publish after the commit, in pts order per user. */
  deliveries: Delivery[]
  stored: { cloud: number; secret: number }
  /** "user:peer" chat rows this batch ensured (the caller may cache them once committed). */
  chats: string[]
  /** Users this batch found to exist (the caller may cache them: users are never deleted). */
  users: number[]
  /** Sends answered with a message stored by an earlier transaction (resends). */
  resends: number
}

/** What the caller knows exists from earlier batches (rows of both kinds are never deleted). */
export interface KnownRows {
  /** "user:peer" chat rows. */
  chats: ReadonlySet<string>
  /** User ids. */
  users: ReadonlySet<number>
}

const NOTHING_KNOWN: KnownRows = { chats: new Set(), users: new Set() }

/** Thrown by a batch run with `assumeNew` that met an already stored message: run it again without. */
export class ResendFound extends Error {
  constructor() {
    super('a batch assumed no resends and met one')
    this.name = 'ResendFound'
  }
}

type StatusData = { peer: number; status: 'delivered' | 'read'; max_id?: number; chat_id?: string; random_id?: string }

function usersOf(op: WriteOp): number[] {
  switch (op.kind) {
    case 'send':
    case 'sendSecret':
      return [op.from, op.to]
    case 'read':
      return [op.userId, op.peer]
    default:
      return [op.userId]
  }
}

/** Runs `ops` inside `trx`. See the module comment. */
export async function runBatch(
  trx: Knex.Transaction,
  cipher: StorageCipher,
  ops: readonly WriteOp[],
  now: number,
  /** Rows known to exist, to skip checking and re-inserting them. */
  known: KnownRows = NOTHING_KNOWN,
  /** Skip the lookup of stored resends; throws {@link ResendFound} if there was one (see the module comment). */
  assumeNew = false,
): Promise<BatchResult> {
  const knownChats = known.chats
  const out: Array<WriteOutcome | undefined> = ops.map((op) => {
    const error = checkOp(op)
    return error ? { ok: false, error } : undefined
  })
  const live = (i: number) => out[i] === undefined
  const fail = (i: number, code: ErrorCode, message: string) => (out[i] = { ok: false, error: new MtChatError(code, message) })
  const indexes = (kind: WriteOp['kind']) => ops.flatMap((op, i) => (op.kind === kind && live(i) ? [i] : []))

  // 1. Every user named must exist (asked only for users not seen before); every addressed device too.
  const unknownUsers = new Set<number>()
  for (let i = 0; i < ops.length; i++) if (live(i)) for (const id of usersOf(ops[i])) if (!known.users.has(id)) unknownUsers.add(id)
  const existing = await existingUserIds(trx, [...unknownUsers])
  ops.forEach((op, i) => {
    if (live(i) && usersOf(op).some((id) => !existing.has(id) && !known.users.has(id))) fail(i, 'PEER_NOT_FOUND', 'no such user')
  })
  const secretCandidates = indexes('sendSecret')
  const devices = await existingDevices(trx, secretCandidates.map((i) => [(ops[i] as SendSecretOp).to, (ops[i] as SendSecretOp).toDevice] as const))
  for (const i of secretCandidates) {
    const op = ops[i] as SendSecretOp
    if (!devices.has(`${op.to}:${op.toDevice}`)) fail(i, 'NOT_FOUND', 'the peer has no such device')
  }

  // 2. Resends: a (sender, random_id) already stored, or repeated within this batch.
  const sendIdx = indexes('send')
  const stored = new Map(
    assumeNew ? [] : (await findByRandomIds(trx, sendIdx.map((i) => [(ops[i] as SendOp).from, (ops[i] as SendOp).randomId] as const))).map((r) => [`${r.sender_id}:${r.random_id}`, r]),
  )
  const firstSend = new Map<string, number>()
  const newSends: number[] = []
  const aliases: Array<[number, number]> = []
  const dupRows = new Map<number, MessageRow>()
  for (const i of sendIdx) {
    const op = ops[i] as SendOp
    const key = `${op.from}:${op.randomId}`
    const row = stored.get(key)
    if (row) dupRows.set(i, row)
    else if (firstSend.has(key)) aliases.push([i, firstSend.get(key)!])
    else {
      firstSend.set(key, i)
      newSends.push(i)
    }
  }
  const secretIdx = indexes('sendSecret')
  const envKey = (op: SendSecretOp): EnvelopeKey => [op.from, op.to, op.toDevice, op.randomId]
  const storedEnv = new Map((await findEnvelopes(trx, secretIdx.map((i) => envKey(ops[i] as SendSecretOp)))).map((r) => [envelopeKeyString([r.sender_id, r.recipient_id, r.recipient_device, r.random_id]), r]))
  const firstSecret = new Map<string, number>()
  const newSecrets: number[] = []
  const dupEnv = new Map<number, EnvelopeRow>()
  for (const i of secretIdx) {
    const key = envelopeKeyString(envKey(ops[i] as SendSecretOp))
    const row = storedEnv.get(key)
    if (row) dupEnv.set(i, row)
    else if (firstSecret.has(key)) aliases.push([i, firstSecret.get(key)!])
    else {
      firstSecret.set(key, i)
      newSecrets.push(i)
    }
  }

  // 3. Receipts move chat pointers and delete acked envelopes; each change notifies the sender.
  const statuses: Array<{ userId: number; data: StatusData }> = []
  const deliveredIdx = indexes('delivered')
  // Acks the gateway sends name each message's sender (it pushed them); others are looked up, heads only.
  const lookup = deliveredIdx.flatMap((i) => {
    const op = ops[i] as DeliveredOp
    return op.senders ? [] : op.messageIds
  })
  const heads = new Map((await getMessageHeads(trx, lookup)).map((r) => [r.id, r]))
  // The highest acked id per (recipient, sender) over the whole batch, moved in one statement.
  const deliveredMax = new Map<string, [number, number, number]>()
  const deliver = (user: number, sender: number, id: number) => {
    const key = `${user}:${sender}`
    const cur = deliveredMax.get(key)
    if (!cur || cur[2] < id) deliveredMax.set(key, [user, sender, id])
  }
  for (const i of deliveredIdx) {
    const op = ops[i] as DeliveredOp
    let count = 0
    if (op.senders) {
      for (let k = 0; k < op.messageIds.length; k++) deliver(op.userId, op.senders[k], op.messageIds[k])
      count = op.messageIds.length
    } else
      for (const id of new Set(op.messageIds)) {
        const r = heads.get(id)
        if (r && r.recipient_id === op.userId) deliver(op.userId, r.sender_id, r.id), count++
      }
    out[i] = { ok: true, value: { count } }
  }
  for (const [user, sender, maxId] of await advanceDeliveredMany(trx, [...deliveredMax.values()]))
    statuses.push({ userId: sender, data: { peer: user, status: 'delivered', max_id: maxId } })
  const readIdx = indexes('read')
  const readChanged = new Map<number, boolean>()
  for (const i of readIdx) {
    const op = ops[i] as Extract<WriteOp, { kind: 'read' }>
    const upTo = await maxIdFrom(trx, op.peer, op.userId, op.maxId)
    const before = upTo > 0 ? await getChat(trx, op.userId, op.peer) : undefined
    const moved = before !== undefined && (await advanceRead(trx, op.userId, op.peer, upTo))
    if (moved) {
      await startTtl(trx, op.peer, op.userId, before.read_max, upTo, now)
      statuses.push({ userId: op.peer, data: { peer: op.userId, status: 'read', max_id: upTo } })
    }
    readChanged.set(i, moved)
  }
  const ackIdx = indexes('ackSecret')
  const deleted = await deleteEnvelopes(
    trx,
    ackIdx.flatMap((i) => {
      const op = ops[i] as Extract<WriteOp, { kind: 'ackSecret' }>
      return op.envelopeIds.map((id) => [op.userId, op.deviceId, id] as const)
    }),
  )
  for (const i of ackIdx) {
    const op = ops[i] as Extract<WriteOp, { kind: 'ackSecret' }>
    out[i] = { ok: true, value: { count: deleted.filter((d) => d.recipient_id === op.userId && d.recipient_device === op.deviceId).length } }
  }
  for (const d of deleted)
    if (d.sender_id !== d.recipient_id) statuses.push({ userId: d.sender_id, data: { peer: d.recipient_id, status: 'delivered', chat_id: d.chat_id, random_id: d.random_id } })

  // 4. pts for every new log entry, all users in one allocation.
  const counts = new Map<number, number>()
  const bump = (uid: number) => counts.set(uid, (counts.get(uid) ?? 0) + 1)
  for (const i of newSends) {
    bump((ops[i] as SendOp).from)
    bump((ops[i] as SendOp).to)
  }
  for (const i of newSecrets) bump((ops[i] as SendSecretOp).to)
  for (const s of statuses) bump(s.userId)
  const nextPts = await allocatePts(trx, counts)
  const take = (uid: number) => {
    const p = nextPts.get(uid)!
    nextPts.set(uid, p + 1)
    return p
  }

  // 5. Messages (sealed), chat rows, carried file shares.
  const ptsOf = new Map<number, { from: number; to: number }>()
  const rows: NewMessageRow[] = newSends.map((i) => {
    const op = ops[i] as SendOp
    const pts = { from: take(op.from), to: take(op.to) }
    ptsOf.set(i, pts)
    const sealed = sealContent(cipher, op.from, op.to, op.randomId, op.content)
    const { lo, hi } = chatKey(op.from, op.to)
    return {
      sender_id: op.from,
      recipient_id: op.to,
      chat_lo: lo,
      chat_hi: hi,
      random_id: op.randomId,
      date: now,
      key_id: sealed.keyId,
      body: sealed.blob,
      file_id: op.content.file?.file_id ?? null,
      ttl: op.ttl ?? null,
      sender_pts: pts.from,
    }
  })
  const ids = await insertMessages(trx, rows)
  const raced = newSends.filter((i) => !ids.has(`${(ops[i] as SendOp).from}:${(ops[i] as SendOp).randomId}`))
  if (raced.length && assumeNew) throw new ResendFound()
  if (raced.length) {
    // A concurrent transaction stored the same (sender, random_id) first: answer with its row.
    const found = await findByRandomIds(trx, raced.map((i) => [(ops[i] as SendOp).from, (ops[i] as SendOp).randomId] as const))
    const byKey = new Map(found.map((r) => [`${r.sender_id}:${r.random_id}`, r]))
    for (const i of raced) dupRows.set(i, byKey.get(`${(ops[i] as SendOp).from}:${(ops[i] as SendOp).randomId}`)!)
  }
  const inserted = newSends.filter((i) => !raced.includes(i))
  const pairs = [...inserted.map((i) => ops[i] as SendOp), ...newSecrets.map((i) => ops[i] as SendSecretOp)]
    .flatMap((op) => [[op.from, op.to] as const, [op.to, op.from] as const])
    .filter(([u, p]) => !knownChats.has(`${u}:${p}`))
  await ensureChats(trx, pairs, now)
  for (const i of inserted) {
    const op = ops[i] as SendOp
    if (op.content.file) await shareCarriedFiles(trx, [op.content.file.file_id], op.from, op.to, now)
  }

  // 6. Secret envelopes.
  const envRows = newSecrets.map((i) => {
    const op = ops[i] as SendSecretOp
    return {
      recipient_id: op.to,
      recipient_device: op.toDevice,
      sender_id: op.from,
      sender_device: op.fromDevice,
      chat_id: op.chatId,
      random_id: op.randomId,
      data: Buffer.from(op.data),
      init: op.init ? JSON.stringify(op.init) : null,
      date: now,
      pts: take(op.to),
    }
  })
  const envIds = await insertEnvelopes(trx, envRows)
  for (const i of newSecrets) {
    const op = ops[i] as SendSecretOp
    if (op.fileIds?.length) await shareCarriedFiles(trx, op.fileIds, op.from, op.to, now)
  }

  // 7. Update log rows and the deliveries that mirror them.
  const updates: UpdateRow[] = []
  const deliveries: Delivery[] = []
  for (const i of inserted) {
    const op = ops[i] as SendOp
    const id = ids.get(`${op.from}:${op.randomId}`)!
    const pts = ptsOf.get(i)!
    const message = messageJson({ id, random_id: op.randomId, sender_id: op.from, recipient_id: op.to, date: now, ttl: op.ttl ?? null }, op.content, 'sent')
    updates.push({ user_id: op.to, pts: pts.to, kind: 'message', ref_id: id, data: null, date: now })
    updates.push({ user_id: op.from, pts: pts.from, kind: 'message', ref_id: id, data: null, date: now })
    deliveries.push({ userId: op.to, update: { _: 'update.message', pts: pts.to, message } })
    deliveries.push({ userId: op.from, update: { _: 'update.message', pts: pts.from, message }, origin: op.origin })
    out[i] = { ok: true, value: { message, pts: pts.from, duplicate: false } }
  }
  for (const [n, i] of newSecrets.entries()) {
    const op = ops[i] as SendSecretOp
    const row = envRows[n]
    const id = envIds.get(envelopeKeyString(envKey(op)))
    if (id === undefined) {
      const [existingRow] = await findEnvelopes(trx, [envKey(op)])
      if (existingRow) out[i] = { ok: true, value: { id: existingRow.id, date: Number(existingRow.date), duplicate: true } }
      else fail(i, 'INTERNAL', 'envelope vanished during a concurrent ack')
      continue
    }
    deliveries.push({ userId: op.to, deviceId: op.toDevice, update: { _: 'update.secret', pts: row.pts, envelope: envelopeJson({ ...row, id }) }, origin: op.origin })
    out[i] = { ok: true, value: { id, date: now, duplicate: false } }
  }
  for (const s of statuses) {
    const pts = take(s.userId)
    updates.push({ user_id: s.userId, pts, kind: 'status', ref_id: null, data: JSON.stringify(s.data), date: now })
    deliveries.push({ userId: s.userId, update: { _: 'update.status', pts, ...s.data } as StoredUpdate })
  }
  await insertUpdates(trx, updates)

  // 8. Answers for resends (stored result) and reads (the reader's pts).
  if (dupRows.size) {
    const inboxes = await getChats(trx, [...dupRows.values()].map((r) => [r.recipient_id, r.sender_id] as const))
    for (const [i, r] of dupRows) {
      const message = messageJson(r, openContent(cipher, r), statusOf(r, inboxes.get(`${r.recipient_id}:${r.sender_id}`)))
      out[i] = { ok: true, value: { message, pts: Number(r.sender_pts), duplicate: true } }
    }
  }
  for (const [i, r] of dupEnv) out[i] = { ok: true, value: { id: r.id, date: Number(r.date), duplicate: true } }
  if (readIdx.length) {
    const readers = [...new Set(readIdx.map((i) => (ops[i] as Extract<WriteOp, { kind: 'read' }>).userId))]
    const rowsPts = await trx('user_state').whereIn('user_id', readers).select('user_id', 'pts')
    const ptsBy = new Map(rowsPts.map((r: { user_id: number; pts: number }) => [Number(r.user_id), Number(r.pts)]))
    for (const i of readIdx) out[i] = { ok: true, value: { pts: ptsBy.get((ops[i] as Extract<WriteOp, { kind: 'read' }>).userId) ?? 0, changed: readChanged.get(i)! } }
  }
  for (const [i, first] of aliases) {
    const o = out[first]
    out[i] = o && o.ok ? { ok: true, value: { ...o.value, duplicate: true } as never } : o
  }
  return {
    outcomes: out.map((o) => o ?? { ok: false, error: new MtChatError('INTERNAL', 'operation produced no result') }),
    deliveries,
    stored: { cloud: inserted.length, secret: envIds.size },
    chats: pairs.map(([u, p]) => `${u}:${p}`),
    users: [...existing],
    resends: dupRows.size,
  }
}
