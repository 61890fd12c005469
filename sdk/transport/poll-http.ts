/**
 * HTTP long-polling (docs/PROTOCOL.md §2.8), for networks where WebSocket cannot connect:
 * `POST /v1/poll` with `u32 length ‖ frame` repeated, answered in the same shape. The first
 * request carries `hs_init` alone; once the session's `auth_key_id` is known (the first 8 bytes of
 * every encrypted frame), one request is always waiting for the relay's frames, naming the session
 * with `?auth_key_id=` when it carries none. Answers are handled in request order, so frames reach
 * the session in the relay's msg_id order. A 410 answer is the relay closing the session.
 *
 * `pollTransport()` (`./poll.ts`) loads this file on its first connect: most clients never need it.
 * @module
 */
import { MtChatError } from '../errors.js'
import { toHex } from '../util/bytes.js'
import { decodePollBody, encodePollBody } from '../protocol/poll-body.js'
import type { FetchLike } from '../client/http.js'
import type { TransportConnection, TransportHandlers } from './types.js'


/** Opens a long-polling connection to the relay at `url` with `f` as fetch (`pollTransport`'s connect). */
export function connectPoll(url: string, h: TransportHandlers, f: FetchLike): TransportConnection {
  const endpoint = url.replace(/\/+$/, '') + '/v1/poll'
  const abort = new AbortController()
  let closed = false
  let opened = false
  let keyId: string | undefined
  let chain: Promise<void> = Promise.resolve()
  let outgoing: Uint8Array[] = []
  let flushQueued = false
  let looping = false

  const finish = (code: number, reason: string) => {
    if (closed) return
    closed = true
    abort.abort()
    h.close({ code, reason, opened })
  }

  /** Issues a request now; its answer is handled after every earlier one. */
  const request = (frames: Uint8Array[]): Promise<void> => {
    const q = frames.length === 0 && keyId ? `?auth_key_id=${keyId}` : ''
    const answer = f(endpoint + q, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: encodePollBody(frames),
      signal: abort.signal,
    }).then(
      async (res) => ({ res, bytes: new Uint8Array(await res.arrayBuffer()) }),
      () => undefined,
    )
    chain = chain.then(async () => {
      const r = await answer
      if (closed) return
      if (!r) return finish(1006, 'poll request failed')
      if (r.res.status === 410) {
        let close = 1006
        let message = 'session closed'
        try {
          const j = JSON.parse(new TextDecoder().decode(r.bytes)) as { error?: { close?: number; message?: string } }
          close = j.error?.close ?? close
          message = j.error?.message ?? message
        } catch {
          /* keep the defaults */
        }
        return finish(close, message)
      }
      if (r.res.status !== 200) return finish(1006, `poll answered HTTP ${r.res.status}`)
      let frames: Uint8Array[]
      try {
        frames = decodePollBody(r.bytes)
      } catch {
        return finish(1002, 'malformed poll answer')
      }
      opened = true
      for (const fr of frames) if (!closed) h.frame(fr)
    })
    return chain
  }

  const loop = async () => {
    if (looping) return
    looping = true
    while (!closed) await request([])
  }

  const flush = () => {
    flushQueued = false
    if (closed || outgoing.length === 0) return
    const frames = outgoing
    outgoing = []
    void request(frames)
    if (keyId) void loop()
  }

  // Nothing to open: the handshake request is the first real exchange.
  queueMicrotask(() => !closed && h.open())
  return {
    send(frame) {
      if (closed) return
      const plain = frame.length >= 8 && frame.subarray(0, 8).every((b) => b === 0)
      if (!plain && !keyId) keyId = toHex(frame.subarray(0, 8))
      if (plain) {
        void request([frame]) // hs_init travels alone (§2.8)
        return
      }
      outgoing.push(frame)
      if (!flushQueued) {
        flushQueued = true
        queueMicrotask(flush) // frames of one turn share a request
      }
    },
    close(code = 1000, reason = '') {
      finish(code, reason)
    },
  }
}
