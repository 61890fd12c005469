// Files through the real relay: a 50 MB file streams through encryption, upload, download and
// decryption with memory growth measured and bounded; a tampered chunk is rejected; images and
// small files go through cloud chats too.
import { createHash } from 'node:crypto'
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Message } from '../../../sdk/index.node.js'
import type { FetchLike } from '../../../sdk/client/http.js'
import { collect, harness, until, type Harness } from './harness.js'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(async () => {
  await h?.close()
})

const MB = 1024 * 1024

/** 50 MB of deterministic pseudo-random bytes, made piece by piece (never held whole). */
async function* generated(total: number, piece = MB): AsyncGenerator<Uint8Array> {
  let x = 0x12345678
  for (let done = 0; done < total; done += piece) {
    const n = Math.min(piece, total - done)
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      out[i] = x & 255
      out[i + 1] = (x >>> 8) & 255
      out[i + 2] = (x >>> 16) & 255
      out[i + 3] = (x >>> 24) & 255
    }
    yield out
  }
}

async function hashOf(source: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash('sha256')
  for await (const p of source) h.update(p)
  return h.digest('hex')
}

async function* readAll(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const r = stream.getReader()
  for (;;) {
    const { done, value } = await r.read()
    if (done) return
    yield value
  }
}

// A real collector handle, so samples count live memory, not garbage waiting for the next GC.
v8.setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Samples live memory (heap + array buffers, after a full GC) while `work` runs; returns the peak
 * growth over the start. The relay runs in this process too, so its share is counted as well.
 */
async function peakGrowth(work: () => Promise<void>): Promise<number> {
  const used = () => {
    gc()
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  const base = used()
  let peak = base
  const timer = setInterval(() => (peak = Math.max(peak, used())), 250)
  try {
    await work()
  } finally {
    clearInterval(timer)
  }
  peak = Math.max(peak, used())
  return peak - base
}

describe('files', () => {
  it('round-trips a 50 MB file in a secret chat with matching sha256 and bounded memory', async () => {
    const SIZE = 50 * MB
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    const b = h.client(ub)
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    const expected = await hashOf(generated(SIZE))
    const progress: number[] = []
    let sent: Message | undefined
    const upGrowth = await peakGrowth(async () => {
      sent = await a.secretChat(ub.id).sendFile(generated(SIZE), { name: 'big.bin', size: SIZE, onProgress: (p) => progress.push(p.loaded) })
    })
    expect(sent!.file).toMatchObject({ name: 'big.bin', size: SIZE })
    expect(progress.at(-1)).toBe(SIZE + 16 * (SIZE / 65536))
    await until(() => inbox.length === 1, 20_000, 'file message')
    const file = inbox[0].file!
    expect(file).toMatchObject({ name: 'big.bin', size: SIZE, mime: 'application/octet-stream' })
    let got = ''
    const downGrowth = await peakGrowth(async () => {
      got = await hashOf(readAll(file.stream()))
    })
    expect(got).toBe(expected)
    console.log(`50 MB file: peak memory growth upload ${(upGrowth / MB).toFixed(1)} MB, download ${(downGrowth / MB).toFixed(1)} MB`)
    expect(upGrowth).toBeLessThanOrEqual(32 * MB)
    expect(downGrowth).toBeLessThanOrEqual(32 * MB)
  }, 120_000)

  it('rejects a tampered chunk, and blob() returns nothing then', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    // b's fetch flips one byte in the middle of the second chunk of every file download.
    const tampering: FetchLike = async (input, init) => {
      const res = await fetch(input, init)
      if (!/\/v1\/files\/[0-9a-f]{32}$/.test(input) || !res.body) return res
      let seen = 0
      const flip = 65552 + 1000
      const body = res.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            const copy = chunk.slice()
            if (flip >= seen && flip < seen + copy.length) copy[flip - seen] ^= 0x40
            seen += copy.length
            c.enqueue(copy)
          },
        }),
      )
      return new Response(body, { status: res.status, headers: res.headers })
    }
    const a = h.client(ua)
    const b = h.client(ub, { fetch: tampering })
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    const data = new Uint8Array(200_000).map((_, i) => i * 7)
    await a.cloudChat(ub.id).sendFile(new Blob([data], { type: 'application/x-test' }), { name: 'data.bin' })
    await until(() => inbox.length === 1, 10_000, 'file message')
    expect(inbox[0]).toMatchObject({ file: { name: 'data.bin', size: 200_000, mime: 'application/x-test' } })
    await expect(inbox[0].file!.blob()).rejects.toMatchObject({ code: 'FILE_CHUNK_INVALID' })
    // The same file through an honest fetch is intact.
    const honest = h.client(ub)
    await honest.connect()
    const m = (await honest.cloudChat(ua.id).history()).at(-1)!
    const blob = await m.file!.blob()
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(data)
    expect(blob.type).toBe('application/x-test')
  })

  it('refuses a stream without a size, a caption in a cloud chat or longer than 1024 characters, with INVALID_ARGUMENT', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    await expect(a.cloudChat(ub.id).sendFile(generated(10))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(a.cloudChat(ub.id).sendFile(new Uint8Array(3), { caption: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    // Not cut short in silence: the protocol carries 1024 characters of caption.
    await expect(a.secretChat(ub.id).sendFile(new Uint8Array(3), { caption: 'x'.repeat(1025) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('carries a caption and the file in a secret chat', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    const b = h.client(ub)
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    await a.secretChat(ub.id).sendFile(new Uint8Array([1, 2, 3]), { name: 'tiny.bin', mime: 'application/x-tiny', caption: 'see attached' })
    await until(() => inbox.length === 1, 10_000, 'file message')
    expect(inbox[0]).toMatchObject({ caption: 'see attached', file: { name: 'tiny.bin', size: 3, mime: 'application/x-tiny' } })
    expect(new Uint8Array(await (await inbox[0].file!.blob()).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]))
  })
})
