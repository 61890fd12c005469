/**
 * The batch check every adapter runs before it applies anything.
 * @module
 */
import { MtChatError } from '../errors.js'
import { checkName, cloneValue } from './range.js'
import type { StorageOp } from './types.js'

/** Validates and deep-copies a batch, so a bad op rejects the whole batch before anything applies. */
export function prepareOps(ops: readonly StorageOp[]): StorageOp[] {
  if (!Array.isArray(ops)) throw new MtChatError('INVALID_ARGUMENT', '"ops" expected an array', { op: 'storage.batch' })
  return ops.map((op) => {
    checkName(op?.store, op?.key)
    if (op.op === 'set') return { op: 'set', store: op.store, key: op.key, value: cloneValue(op.value) }
    if (op.op === 'delete') return { op: 'delete', store: op.store, key: op.key }
    throw new MtChatError('INVALID_ARGUMENT', `unknown storage op ${String((op as { op?: unknown }).op)}`, { op: 'storage.batch' })
  })
}
