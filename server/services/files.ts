/**
 * Resumable uploads and streamed downloads of opaque encrypted blobs (docs/PROTOCOL.md §5, §6
 * `/v1/files`). The relay never sees a file key: it checks sizes, records which chunks arrived and
 * decides who may read. Rules:
 * - create: size 1..maxFileSize; chunk n must be exactly `chunkLength(size, chunks, n)` bytes;
 *   re-sending a chunk replaces it (resume after a lost answer); after `complete` the blob is frozen.
 * - the uploader may upload, complete and share; the uploader and users it was shared with (by
 *   `share`, or by a message carrying the file_id) may see status and download a complete blob.
 * - everyone else gets NOT_FOUND, so file ids cannot be probed.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import { blobStream } from '../store/blobs.js'
import { addShare, canReadFile, CHUNK_SIZE, chunkLength, completeFile, getFile, insertFile, receivedChunks, type FileRow } from '../store/files.js'
import type { Store } from '../store/store.js'
import { existingUserIds } from '../store/users.js'
import type { AuditLog } from './audit.js'

/** `GET /v1/files/:id/status` answer. */
export interface FileStatusJson {
  size: number
  chunks: number
  received: number[]
  complete: boolean
}

/** Uploads, access control and downloads of files. */
export class FileService {
  constructor(private readonly deps: { store: Store; clock: Clock; audit: AuditLog; maxFileSize: number }) {}

  /** Starts an upload. */
  async create(owner: number, size: number, mime?: string): Promise<{ id: string; chunk_size: number; chunks: number }> {
    if (!Number.isSafeInteger(size) || size < 1) throw new MtChatError('BAD_REQUEST', 'size must be a positive integer')
    if (size > this.deps.maxFileSize) throw new MtChatError('FILE_TOO_LARGE', `files are limited to ${this.deps.maxFileSize} bytes`, { details: { max: this.deps.maxFileSize } })
    const id = randomBytes(16).toString('hex')
    const chunks = Math.ceil(size / CHUNK_SIZE)
    await insertFile(this.deps.store.knex, { id, owner_id: owner, size, chunks, mime: mime ?? null, created_at: this.deps.clock.now(), completed_at: null })
    this.deps.audit.record('file.create', { userId: owner, meta: { file_id: id, size } })
    return { id, chunk_size: CHUNK_SIZE, chunks }
  }

  /** The file if `userId` may read it; NOT_FOUND otherwise. */
  private async readable(userId: number, id: string): Promise<FileRow> {
    const file = await getFile(this.deps.store.reader, id)
    if (!file || !(file.owner_id === userId || (await canReadFile(this.deps.store.reader, id, userId)))) throw new MtChatError('NOT_FOUND', 'no such file')
    return file
  }

  /** The file if `userId` uploaded it; FORBIDDEN for readers who are not the uploader. */
  private async owned(userId: number, id: string): Promise<FileRow> {
    const file = await this.readable(userId, id)
    if (file.owner_id !== userId) throw new MtChatError('FORBIDDEN', 'only the uploader can change this file')
    return file
  }

  /** Expected length of chunk `n` (for the route to bound its body read); checks rights first. */
  async expectChunk(userId: number, id: string, n: number): Promise<number> {
    const file = await this.owned(userId, id)
    if (file.completed_at !== null) throw new MtChatError('INVALID_STATE', 'the upload is complete')
    if (!Number.isSafeInteger(n) || n < 0 || n >= file.chunks) throw new MtChatError('BAD_REQUEST', `chunk must be 0..${file.chunks - 1}`)
    return chunkLength(file.size, file.chunks, n)
  }

  /** Stores chunk `n`; its length must be exactly the expected one. */
  async putChunk(userId: number, id: string, n: number, data: Buffer): Promise<void> {
    const expected = await this.expectChunk(userId, id, n)
    if (data.length !== expected) throw new MtChatError('BAD_REQUEST', `chunk ${n} must be ${expected} bytes, got ${data.length}`, { details: { expected, got: data.length } })
    await this.deps.store.blobs.put(this.deps.store.knex, id, n, data)
  }

  async status(userId: number, id: string): Promise<FileStatusJson> {
    const file = await this.readable(userId, id)
    return { size: file.size, chunks: file.chunks, received: await receivedChunks(this.deps.store.reader, id), complete: file.completed_at !== null }
  }

  /** Freezes the blob once every chunk arrived; INVALID_STATE lists what is missing. */
  async complete(userId: number, id: string): Promise<{ id: string; size: number }> {
    const file = await this.owned(userId, id)
    if (file.completed_at === null) {
      const got = new Set(await receivedChunks(this.deps.store.knex, id))
      const missing = Array.from({ length: file.chunks }, (_, i) => i).filter((i) => !got.has(i))
      if (missing.length) throw new MtChatError('INVALID_STATE', `chunks missing: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`, { details: { missing: missing.length } })
      await completeFile(this.deps.store.knex, id, this.deps.clock.now())
    }
    return { id, size: file.size }
  }

  /** Lets `peer` download the file. */
  async share(userId: number, id: string, peer: number, ip?: string): Promise<void> {
    await this.owned(userId, id)
    if (!Number.isSafeInteger(peer) || !(await existingUserIds(this.deps.store.knex, [peer])).has(peer)) throw new MtChatError('PEER_NOT_FOUND', 'no such user')
    await addShare(this.deps.store.knex, id, peer, this.deps.clock.now())
    this.deps.audit.record('file.share', { userId, ip, meta: { file_id: id, peer } })
  }

  /** A complete blob as a stream, with its size and type. */
  async open(userId: number, id: string): Promise<{ size: number; mime: string | null; stream: Readable }> {
    const file = await this.readable(userId, id)
    if (file.completed_at === null) throw new MtChatError('INVALID_STATE', 'the upload is not complete')
    return { size: file.size, mime: file.mime, stream: blobStream(this.deps.store.blobs, this.deps.store.reader, id, file.chunks) }
  }
}
