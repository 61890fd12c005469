/**
 * File metadata repository: uploads (size, chunk count, completion), which chunks arrived, and who
 * may download (the uploader plus explicit shares; a message carrying a file_id adds a share for its
 * recipient when the sender may read the file). The chunk bytes live in a {@link BlobStore}.
 * @module
 */
import type { Db } from './db.js'

/** Size of one encrypted chunk: 64 KiB of plaintext + the 16-byte GCM tag (docs/PROTOCOL.md §5). */
export const CHUNK_SIZE = 65_552

/** A `files` row. */
export interface FileRow {
  id: string
  owner_id: number
  size: number
  chunks: number
  mime: string | null
  created_at: number
  completed_at: number | null
}

/** Expected byte length of chunk `n` of a blob of `size` bytes. */
export function chunkLength(size: number, chunks: number, n: number): number {
  return n < chunks - 1 ? CHUNK_SIZE : size - (chunks - 1) * CHUNK_SIZE
}

export async function insertFile(db: Db, row: FileRow): Promise<void> {
  await db('files').insert(row)
}

export async function getFile(db: Db, id: string): Promise<FileRow | undefined> {
  const row = await db('files').where('id', id).first()
  return row ? { ...row, size: Number(row.size), chunks: Number(row.chunks) } : undefined
}

/** Chunk numbers received so far, ascending. */
export async function receivedChunks(db: Db, id: string): Promise<number[]> {
  const rows = await db('file_chunks').where('file_id', id).orderBy('n').select('n')
  return rows.map((r: { n: number }) => Number(r.n))
}

/** Marks an upload complete; false when it already was. */
export async function completeFile(db: Db, id: string, at: number): Promise<boolean> {
  return (await db('files').where('id', id).whereNull('completed_at').update({ completed_at: at })) === 1
}

/** True when `userId` uploaded the file or it was shared with them. */
export async function canReadFile(db: Db, fileId: string, userId: number): Promise<boolean> {
  const own = await db('files').where({ id: fileId, owner_id: userId }).first('id')
  if (own) return true
  return Boolean(await db('file_shares').where({ file_id: fileId, user_id: userId }).first('file_id'))
}

export async function addShare(db: Db, fileId: string, userId: number, now: number): Promise<void> {
  await db('file_shares').insert({ file_id: fileId, user_id: userId, created_at: now }).onConflict(['file_id', 'user_id']).ignore()
}

/**
 * Shares `fileIds` with `to` for each file `from` may read (a message carrying a file_id). Files
 * `from` cannot read are skipped silently: the message is stored, the recipient just cannot fetch.
 */
export async function shareCarriedFiles(db: Db, fileIds: readonly string[], from: number, to: number, now: number): Promise<void> {
  for (const fileId of new Set(fileIds)) if (await canReadFile(db, fileId, from)) await addShare(db, fileId, to, now)
}

/** Ids of incomplete uploads created before `before` (for cleanup). */
export async function staleUploads(db: Db, before: number, limit: number): Promise<string[]> {
  const rows = await db('files').whereNull('completed_at').where('created_at', '<', before).limit(limit).select('id')
  return rows.map((r: { id: string }) => r.id)
}

export async function deleteFileRow(db: Db, id: string): Promise<void> {
  await db('files').where('id', id).del()
}
