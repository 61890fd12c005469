/**
 * Files (docs/PROTOCOL.md §5, §6 `/v1/files`): resumable chunked upload of an opaque blob, exact
 * chunk sizes (a tampered size is refused), the size limit, completion, streamed download with
 * Content-Length, and who may see or fetch a file (uploader, explicit share, a message carrying
 * the file_id) — everyone else gets 404. SQLite runs with disk chunks, PostgreSQL with chunks in
 * the database (each variant's default).
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dbVariants, randomId, startRelay, type TestRelay, type TestUser } from '../../helpers/relay.js'

const variants = await dbVariants()
const CHUNK = 65_552

describe.each(variants)('files on %s', (db) => {
  let t: TestRelay
  let alice: TestUser
  let bob: TestUser
  let carol: TestUser
  beforeAll(async () => {
    t = await startRelay({ db, maxFileSize: 4 * CHUNK })
    alice = await t.register()
    bob = await t.register()
    carol = await t.register()
  })
  afterAll(() => t.close())

  async function upload(owner: TestUser, blob: Uint8Array): Promise<string> {
    const created = await t.api.post('/v1/files', { size: blob.length, mime: 'application/octet-stream' }, { token: owner.token })
    expect(created.status).toBe(201)
    const { id, chunks } = created.body
    for (let n = 0; n < chunks; n++) {
      const res = await t.api.request('PUT', `/v1/files/${id}/chunks/${n}`, { raw: blob.subarray(n * CHUNK, (n + 1) * CHUNK), token: owner.token })
      expect(res.status).toBe(204)
    }
    expect((await t.api.post(`/v1/files/${id}/complete`, undefined, { token: owner.token })).body).toEqual({ id, size: blob.length })
    return id
  }

  it('uploads in chunks with resume, then streams the exact bytes back', async () => {
    const blob = randomBytes(2 * CHUNK + 1000)
    const created = await t.api.post('/v1/files', { size: blob.length }, { token: alice.token })
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), chunk_size: 65_552, chunks: 3 })
    const id = created.body.id as string
    const put = (n: number, data: Uint8Array) => t.api.request('PUT', `/v1/files/${id}/chunks/${n}`, { raw: data, token: alice.token })

    expect((await put(2, blob.subarray(2 * CHUNK))).status).toBe(204)
    expect((await put(0, blob.subarray(0, CHUNK))).status).toBe(204)
    const status = await t.api.get(`/v1/files/${id}/status`, { token: alice.token })
    expect(status.body).toEqual({ size: blob.length, chunks: 3, received: [0, 2], complete: false })
    const early = await t.api.post(`/v1/files/${id}/complete`, undefined, { token: alice.token })
    expect(early.status).toBe(409)
    expect(early.body.error).toEqual({ code: 'INVALID_STATE', message: 'chunks missing: 1' })
    expect((await t.api.get(`/v1/files/${id}`, { token: alice.token })).status).toBe(409)

    // A resent chunk replaces the first copy (the answer to the first PUT may have been lost).
    expect((await put(1, randomBytes(CHUNK))).status).toBe(204)
    expect((await put(1, blob.subarray(CHUNK, 2 * CHUNK))).status).toBe(204)
    expect((await t.api.post(`/v1/files/${id}/complete`, undefined, { token: alice.token })).status).toBe(200)
    expect((await t.api.get(`/v1/files/${id}/status`, { token: alice.token })).body.complete).toBe(true)

    const down = await t.api.get(`/v1/files/${id}`, { token: alice.token })
    expect(down.status).toBe(200)
    expect(down.headers.get('content-type')).toBe('application/octet-stream')
    expect(down.headers.get('content-length')).toBe(String(blob.length))
    expect(createHash('sha256').update(down.bytes).digest('hex')).toBe(createHash('sha256').update(blob).digest('hex'))

    const frozen = await put(0, blob.subarray(0, CHUNK))
    expect(frozen.status).toBe(409)
    expect(frozen.body.error.code).toBe('INVALID_STATE')
  })

  it('refuses chunks of the wrong size, out of range, or not octet-stream', async () => {
    const { id } = (await t.api.post('/v1/files', { size: CHUNK + 10 }, { token: alice.token })).body
    const short = await t.api.request('PUT', `/v1/files/${id}/chunks/0`, { raw: randomBytes(CHUNK - 1), token: alice.token })
    expect(short.status).toBe(400)
    expect(short.body.error).toEqual({ code: 'BAD_REQUEST', message: `chunk 0 must be ${CHUNK} bytes, got ${CHUNK - 1}` })
    const long = await t.api.request('PUT', `/v1/files/${id}/chunks/1`, { raw: randomBytes(11), token: alice.token })
    expect(long.status).toBe(413)
    expect(long.body.error.code).toBe('PAYLOAD_TOO_LARGE')
    const range = await t.api.request('PUT', `/v1/files/${id}/chunks/2`, { raw: randomBytes(10), token: alice.token })
    expect(range.status).toBe(400)
    const json = await t.api.put(`/v1/files/${id}/chunks/1`, { data: 'x' }, { token: alice.token })
    expect(json.status).toBe(415)
    expect(json.body.error.code).toBe('BAD_REQUEST')
    expect((await t.api.get(`/v1/files/${id}/status`, { token: alice.token })).body.received).toEqual([])
  })

  it('enforces the size limit at creation (413 FILE_TOO_LARGE) and validates the body', async () => {
    const big = await t.api.post('/v1/files', { size: 4 * CHUNK + 1 }, { token: alice.token })
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('FILE_TOO_LARGE')
    for (const body of [{ size: 0 }, { size: 1.5 }, { size: '10' }, { size: 10, mime: 'not a mime' }, { size: 10, name: 'x' }])
      expect((await t.api.post('/v1/files', body, { token: alice.token })).status).toBe(400)
    expect((await t.api.post('/v1/files', { size: 10 })).status).toBe(401)
  })

  it('lets only the uploader and users it was shared with see and download a file', async () => {
    const blob = randomBytes(5000)
    const id = await upload(alice, blob)
    for (const path of [`/v1/files/${id}`, `/v1/files/${id}/status`]) {
      const res = await t.api.get(path, { token: bob.token })
      expect(res.status).toBe(404)
      expect(res.body.error.code).toBe('NOT_FOUND')
    }
    const notOwner = await t.api.post(`/v1/files/${id}/share`, { peer: bob.id }, { token: bob.token })
    expect(notOwner.status).toBe(404)

    expect((await t.api.post(`/v1/files/${id}/share`, { peer: bob.id }, { token: alice.token })).status).toBe(204)
    const got = await t.api.get(`/v1/files/${id}`, { token: bob.token })
    expect(got.status).toBe(200)
    expect(Buffer.from(got.bytes).equals(blob)).toBe(true)
    const reshare = await t.api.post(`/v1/files/${id}/share`, { peer: carol.id }, { token: bob.token })
    expect(reshare.status).toBe(403)
    expect(reshare.body.error.code).toBe('FORBIDDEN')
    expect((await t.api.get(`/v1/files/${id}`, { token: carol.token })).status).toBe(404)
    expect((await t.api.post(`/v1/files/${id}/share`, { peer: 999_999 }, { token: alice.token })).body.error.code).toBe('PEER_NOT_FOUND')
    expect((await t.api.get('/v1/files/not-a-file-id', { token: alice.token })).status).toBe(400)
    expect((await t.api.get(`/v1/files/${'0'.repeat(32)}`, { token: alice.token })).status).toBe(404)
  })

  it('shares a file with the recipient of a cloud message that carries its file_id', async () => {
    const blob = randomBytes(300)
    const id = await upload(alice, blob)
    const file = { file_id: id, key: randomBytes(32).toString('base64'), nonce_prefix: randomBytes(8).toString('base64'), size: 284, sha256: randomBytes(32).toString('base64'), mime: 'image/png', name: 'cat.png' }
    const sent = await t.api.post(`/v1/chats/${carol.id}/messages`, { random_id: randomId(), file }, { token: alice.token })
    expect(sent.status).toBe(201)
    expect(sent.body.message.file).toEqual(file)
    expect((await t.api.get(`/v1/files/${id}`, { token: carol.token })).status).toBe(200)
    // A user cannot gain access by mentioning someone else's file in their own message.
    const other = await upload(bob, randomBytes(10))
    await t.api.post(`/v1/chats/${carol.id}/messages`, { random_id: randomId(), file: { ...file, file_id: other } }, { token: alice.token })
    expect((await t.api.get(`/v1/files/${other}`, { token: carol.token })).status).toBe(404)
  })

  it('removes incomplete uploads older than a day, with their chunks', async () => {
    const { id } = (await t.api.post('/v1/files', { size: CHUNK + 1 }, { token: alice.token })).body
    await t.api.request('PUT', `/v1/files/${id}/chunks/0`, { raw: randomBytes(CHUNK), token: alice.token })
    const done = await upload(alice, randomBytes(100))
    const chunkDir = join(t.dataDir, 'files', id.slice(0, 2), id)
    expect(existsSync(chunkDir)).toBe(db === 'sqlite')
    t.clock.advance(86_400_000 + 1000)
    const report = await t.relay.runMaintenance()
    expect(report.uploads).toBeGreaterThanOrEqual(1)
    expect((await t.api.get(`/v1/files/${id}/status`, { token: alice.token })).status).toBe(404)
    expect(existsSync(chunkDir)).toBe(false)
    expect((await t.api.get(`/v1/files/${done}`, { token: alice.token })).status).toBe(200)
  })
})
