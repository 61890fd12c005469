// Code loaded on first use (sdk/util/lazy.ts), the long-polling transport that loads its code on
// the first connect (sdk/transport/poll.ts) and downloads whose pipeline loads on first use
// (sdk/files/index.ts): one import shared by every caller, a failed load reported as
// CHUNK_LOAD_FAILED and tried again, frames sent before the code is there delivered, a close
// before it is there ending the connection once without a request, a cancelled download ending
// its HTTP body.
import { describe, expect, it } from 'vitest'
import type { FetchLike, HttpApi } from '../../../sdk/client/http.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { fileInfo } from '../../../sdk/files/index.js'
import { MtChatError } from '../../../sdk/errors.js'
import { decodePollBody } from '../../../sdk/protocol/poll-body.js'
import { pollTransport } from '../../../sdk/transport/poll.js'
import type { TransportHandlers } from '../../../sdk/transport/types.js'
import { lazy } from '../../../sdk/util/lazy.js'

describe('lazy', () => {
  it('imports once for every caller', async () => {
    let calls = 0
    const load = lazy('thing', async () => ({ n: ++calls }))
    const [a, b] = await Promise.all([load(), load()])
    expect(a).toBe(b)
    expect(await load()).toBe(a)
    expect(calls).toBe(1)
  })

  it('rejects a failed load with CHUNK_LOAD_FAILED (cause kept) and tries again on the next call', async () => {
    let calls = 0
    const cause = new TypeError('Failed to fetch dynamically imported module')
    const load = lazy('files', async () => {
      if (++calls === 1) throw cause
      return 'loaded'
    })
    const err = await load().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(MtChatError.is(err, 'CHUNK_LOAD_FAILED')).toBe(true)
    expect((err as MtChatError).op).toBe('load.files')
    expect((err as MtChatError).cause).toBe(cause)
    expect(await load()).toBe('loaded')
    expect(calls).toBe(2)
  })
})

/** A fetch that records each request's frames and answers nothing until aborted. */
function recordingFetch() {
  const bodies: Uint8Array[][] = []
  const f: FetchLike = (_url, init) => {
    bodies.push(decodePollBody(new Uint8Array((init?.body as Uint8Array) ?? [])))
    return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))
  }
  return { f, bodies }
}

function handlers() {
  const events: string[] = []
  const h: TransportHandlers = {
    open: () => events.push('open'),
    frame: () => events.push('frame'),
    close: (i) => events.push(`close ${i.code} ${i.opened}`),
  }
  return { h, events }
}

const settle = () => new Promise((r) => setTimeout(r, 50))

/** Waits (up to 5 s) until `done()` holds: importing a chunk's modules takes a moment under vitest. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await settle()
}

describe('pollTransport (its code loaded on the first connect)', () => {
  it('delivers a frame sent before the code is loaded, then opens', async () => {
    const { f, bodies } = recordingFetch()
    const { h, events } = handlers()
    const hsInit = new Uint8Array(40) // auth_key_id 0: a handshake frame, sent at once on its own
    hsInit[39] = 7
    const conn = pollTransport(f).connect('http://relay.test', h)
    conn.send(hsInit)
    await settle()
    expect(bodies).toEqual([[hsInit]])
    expect(events).toEqual(['open'])
    conn.close()
    expect(events).toEqual(['open', 'close 1000 false'])
  })

  it('a close before the code is loaded ends the connection once, and no request is made', async () => {
    const { f, bodies } = recordingFetch()
    const { h, events } = handlers()
    const conn = pollTransport(f).connect('http://relay.test', h)
    conn.send(new Uint8Array(40))
    conn.close(4001, 'bye')
    conn.close()
    await settle()
    expect(events).toEqual(['close 4001 false'])
    expect(bodies).toEqual([])
  })

  it('refuses at once, as before, when there is no fetch', () => {
    const saved = globalThis.fetch
    ;(globalThis as { fetch?: unknown }).fetch = undefined
    try {
      expect(() => pollTransport().connect('http://relay.test', handlers().h)).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }))
    } finally {
      globalThis.fetch = saved
    }
  })
})

describe('FileInfo.stream (the download pipeline loaded on first use)', () => {
  const ref = { file_id: 'f1', key: new Uint8Array(32), nonce_prefix: new Uint8Array(8), size: 10, sha256: new Uint8Array(32), mime: 'text/plain', name: 'a.txt' }
  /** An HttpApi whose file download is a body that never ends, noting when it is cancelled. */
  function relay() {
    const seen = { requests: 0, cancelled: [] as unknown[] }
    const http = {
      request: async () => {
        seen.requests++
        return new Response(new ReadableStream({ pull: () => new Promise(() => undefined), cancel: (r) => void seen.cancelled.push(r) }))
      },
    } as unknown as HttpApi
    return { http, seen }
  }

  it('a download cancelled before its code and its answer are there ends the HTTP body', async () => {
    const { http, seen } = relay()
    const stream = fileInfo(nobleProvider, http, ref).stream()
    await stream.cancel('not needed')
    await until(() => seen.cancelled.length > 0)
    expect(seen.requests).toBe(1)
    expect(seen.cancelled).toEqual(['not needed'])
  })

  it('a download cancelled after it started ends the HTTP body', async () => {
    const { http, seen } = relay()
    const stream = fileInfo(nobleProvider, http, ref).stream()
    await until(() => seen.requests > 0)
    await settle()
    await stream.cancel('closed the tab')
    expect(seen.cancelled).toEqual(['closed the tab'])
  })
})
