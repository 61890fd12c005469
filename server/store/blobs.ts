/**
 * Where the bytes of uploaded file chunks live. Two stores behind one interface:
 * - `disk` (default on SQLite): one file per chunk under `<dataDir>/files/`, written to a temp file,
 *   fsynced and renamed, so a chunk the relay acknowledged is whole after a crash. Keeps large blobs
 *   out of the database and its WAL; downloads read 64 KiB at a time.
 * - `db` (default on PostgreSQL): chunks as bytea rows, so every relay node behind a load balancer
 *   sees every upload without a shared volume.
 * Either way `file_chunks` records which chunks arrived, so status and completion are one query.
 * @module
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { MtChatError } from '../../sdk/errors.js'
import type { Db } from './db.js'

/** Chunk storage of uploaded files. */
export interface BlobStore {
  readonly kind: 'disk' | 'db'
  /** Stores (or replaces, for a resumed upload) chunk `n` and records it in `file_chunks`. */
  put(db: Db, fileId: string, n: number, data: Buffer): Promise<void>
  /** Reads chunk `n`. */
  read(db: Db, fileId: string, n: number): Promise<Buffer>
  /** Deletes every chunk of a file (the rows go with the `files` row). */
  remove(fileId: string): Promise<void>
}

async function recordChunk(db: Db, fileId: string, n: number, size: number, data: Buffer | null): Promise<void> {
  await db('file_chunks').insert({ file_id: fileId, n, size, data }).onConflict(['file_id', 'n']).merge(['size', 'data'])
}

/** Chunks as files under `root`. */
export class DiskBlobStore implements BlobStore {
  readonly kind = 'disk'
  constructor(private readonly root: string) {}

  private dir(fileId: string): string {
    // File ids are 32 lowercase hex characters (checked by the route), so they are safe path parts.
    return join(this.root, fileId.slice(0, 2), fileId)
  }

  async put(db: Db, fileId: string, n: number, data: Buffer): Promise<void> {
    const dir = this.dir(fileId)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const final = join(dir, String(n))
    const tmp = `${final}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, final)
    await recordChunk(db, fileId, n, data.length, null)
  }

  async read(_db: Db, fileId: string, n: number): Promise<Buffer> {
    try {
      return await readFile(join(this.dir(fileId), String(n)))
    } catch (cause) {
      throw new MtChatError('STORAGE_FAILED', `chunk ${n} of a file is missing on disk`, { cause, expose: false })
    }
  }

  async remove(fileId: string): Promise<void> {
    await rm(this.dir(fileId), { recursive: true, force: true })
  }
}

/** Chunks as rows of `file_chunks`. */
export class DbBlobStore implements BlobStore {
  readonly kind = 'db'

  async put(db: Db, fileId: string, n: number, data: Buffer): Promise<void> {
    await recordChunk(db, fileId, n, data.length, data)
  }

  async read(db: Db, fileId: string, n: number): Promise<Buffer> {
    const row = await db('file_chunks').where({ file_id: fileId, n }).first('data')
    if (!row?.data) throw new MtChatError('STORAGE_FAILED', `chunk ${n} of a file is missing`, { expose: false })
    return row.data as Buffer
  }

  async remove(): Promise<void> {
    // Rows are deleted by the files row's ON DELETE CASCADE.
  }
}

/** A stream of chunks 0..chunks-1 in order, reading one chunk at a time (flat memory). */
export function blobStream(store: BlobStore, db: Db, fileId: string, chunks: number): Readable {
  return Readable.from(
    (async function* () {
      for (let n = 0; n < chunks; n++) yield await store.read(db, fileId, n)
    })(),
    { objectMode: false },
  )
}
