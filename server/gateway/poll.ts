/**
 * The HTTP long-polling fallback (docs/PROTOCOL.md §2.8): `POST /v1/poll` with a body of
 * `u32 length ‖ frame` repeated, answered in the same shape with the relay's frames for that
 * connection. The session machinery is the WebSocket one (`connection.ts`); only the transport
 * differs.
 *
 * - The first request carries `hs_init` and gets `hs_ok`; later ones are matched to their session
 *   by the `auth_key_id` of their frames, or, for a request without frames, by the
 *   `auth_key_id` query parameter (16 hex digits).
 * - One request waits at a time: a new request for a session answers the waiting one with what is
 *   queued (possibly nothing), then waits itself until a frame is queued (answering on the next
 *   turn so a whole commit's frames go together) or `pollWaitMs` passed (25 s).
 * - The queue is bounded like a socket's (bytes and frames): overflow closes the session with 4010.
 * - A session is dropped `pollSessionTtlMs` (60 s) after its last request. A closed or unknown
 *   session answers 410 `{ error: { code: "CONNECTION_CLOSED", message, close } }`.
 * @module
 */
import { CLOSE_CODES, MtChatError } from '../../sdk/errors.js'
import { isPlainFrame } from '../../sdk/protocol/frame.js'
import { decodePollBody, encodePollBody } from '../../sdk/protocol/poll-body.js'
import { Connection } from './connection.js'
import type { GatewayContext } from './context.js'
import type { QueueLimits, Transport } from './transport.js'

/** An HTTP answer of the poll endpoint. */
export interface PollAnswer {
  status: number
  /** `application/octet-stream` frames, or a JSON error. */
  body: Buffer
  contentType: string
}

interface Waiter {
  answer: (a: PollAnswer) => void
  timer: NodeJS.Timeout
}

/** Splits a poll body into frames; undefined when the lengths do not add up. */
export function decodeFrames(body: Uint8Array, maxFrame: number): Uint8Array[] | undefined {
  try {
    return decodePollBody(body, maxFrame)
  } catch {
    return undefined
  }
}

/** Joins frames into a poll answer (a Buffer over the same memory, for Koa). */
export function encodeFrames(frames: readonly Uint8Array[]): Buffer {
  const body = encodePollBody(frames)
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

function jsonError(status: number, code: string, message: string, close?: number): PollAnswer {
  return { status, body: Buffer.from(JSON.stringify({ error: { code, message, ...(close ? { close } : {}) } })), contentType: 'application/json; charset=utf-8' }
}

/** One polling session's way out: a bounded queue drained by the waiting request. */
export class PollTransport implements Transport {
  readonly kind = 'poll'
  private queue: Uint8Array[] = []
  private bytes = 0
  private waiter: Waiter | undefined
  private wakeQueued = false
  closedWith: { code: number; reason: string } | undefined
  lastRequest: number

  constructor(
    readonly remote: string,
    private readonly limits: QueueLimits,
    now: number,
  ) {
    this.lastRequest = now
  }

  /** True while a request is waiting. */
  get waiting(): boolean {
    return this.waiter !== undefined
  }

  send(frame: Uint8Array): boolean {
    if (this.closedWith) return true
    if (this.queue.length >= this.limits.maxFrames || this.bytes + frame.length > this.limits.maxBytes) return false
    this.queue.push(frame)
    this.bytes += frame.length
    if (this.waiter) this.wake()
    return true
  }

  close(code: number, reason: string): void {
    if (this.closedWith) return
    this.closedWith = { code, reason }
    this.queue = []
    this.bytes = 0
    this.release()
  }

  /** Answers the waiting request (if any) with what is queued, or 410 once closed. */
  release(): void {
    const w = this.waiter
    if (!w) return
    this.waiter = undefined
    clearTimeout(w.timer)
    w.answer(this.take())
  }

  /** Takes the queue as an answer (or 410 when closed). */
  take(): PollAnswer {
    if (this.closedWith) return jsonError(410, 'CONNECTION_CLOSED', this.closedWith.reason, this.closedWith.code)
    const body = encodeFrames(this.queue)
    this.queue = []
    this.bytes = 0
    return { status: 200, body, contentType: 'application/octet-stream' }
  }

  /**
   * Makes `answer` the waiting request: on the next turn if something is queued, else when a frame
   * is queued or `waitMs` passed. A request aborted by the client is dropped without taking the
   * queue, so its frames go to the next request instead of being lost.
   */
  wait(waitMs: number, answer: (a: PollAnswer) => void, signal?: AbortSignal): void {
    this.release()
    const timer = setTimeout(() => this.release(), waitMs)
    timer.unref()
    const waiter: Waiter = { answer, timer }
    this.waiter = waiter
    signal?.addEventListener('abort', () => {
      if (this.waiter !== waiter) return
      clearTimeout(timer)
      this.waiter = undefined
      // Nobody reads this answer; it only settles the request's promise.
      answer(jsonError(400, 'ABORTED', 'the request was aborted'))
    })
    // Let this turn's frames (e.g. the answers to the frames just received) join the answer.
    if (this.closedWith || this.queue.length > 0) this.wake()
  }

  private wake(): void {
    if (this.wakeQueued) return
    this.wakeQueued = true
    setImmediate(() => {
      this.wakeQueued = false
      this.release()
    })
  }
}

/** Polling sessions by auth_key_id, and the request handler. */
export class PollSessions {
  private readonly sessions = new Map<string, { conn: Connection; transport: PollTransport }>()
  private readonly timer: NodeJS.Timeout
  private closing = false

  constructor(private readonly ctx: GatewayContext) {
    this.timer = setInterval(() => this.sweep(), Math.min(ctx.options.sweepIntervalMs, ctx.options.pollSessionTtlMs / 2))
    this.timer.unref()
  }

  private sweep(): void {
    const now = this.ctx.clock.now()
    for (const [key, s] of this.sessions) {
      if (s.transport.closedWith) {
        if (!s.transport.waiting) this.sessions.delete(key)
      } else if (!s.transport.waiting && now - s.transport.lastRequest > this.ctx.options.pollSessionTtlMs) {
        s.conn.close(CLOSE_CODES.IDLE_TIMEOUT, 'polling session expired')
        this.sessions.delete(key)
      }
    }
  }

  /**
   * Handles one `POST /v1/poll` body (already read, bounded by the caller).
   * @param keyHint The `auth_key_id` query parameter, for a request without frames.
   */
  handle(body: Uint8Array, remote: string, keyHint: string | undefined, signal?: AbortSignal): Promise<PollAnswer> {
    const { ctx } = this
    if (this.closing) return Promise.resolve(jsonError(503, 'UNAVAILABLE', 'the relay is shutting down', CLOSE_CODES.GOING_AWAY))
    // A plain view (see ws-server.ts `toBytes`): frames are subarrays of it.
    const frames = decodeFrames(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), ctx.options.maxFrame)
    if (!frames) return Promise.resolve(jsonError(400, 'BAD_REQUEST', 'the body must be u32 length ‖ frame, repeated'))
    const now = ctx.clock.now()

    if (frames.length > 0 && isPlainFrame(frames[0])) {
      // A new session: the handshake frame, alone (§2.8).
      if (frames.length !== 1) return Promise.resolve(jsonError(400, 'BAD_REQUEST', 'hs_init must be sent alone'))
      const transport = new PollTransport(remote, { maxBytes: ctx.options.sendQueueBytes, maxFrames: ctx.options.sendQueueFrames }, now)
      const conn = new Connection(ctx, transport)
      conn.receive(frames[0])
      const key = conn.authKeyId
      if (key && !transport.closedWith) this.sessions.set(Buffer.from(key).toString('hex'), { conn, transport })
      const answer = transport.take()
      if (answer.status !== 200) return Promise.resolve(jsonError(400, 'HANDSHAKE_BAD_FRAME', 'handshake failed', transport.closedWith?.code))
      return Promise.resolve(answer)
    }

    const key = frames.length > 0 ? Buffer.from(frames[0].subarray(0, 8)).toString('hex') : keyHint?.toLowerCase()
    const s = key && /^[0-9a-f]{16}$/.test(key) ? this.sessions.get(key) : undefined
    if (!s) {
      if (frames.length > 0) ctx.metrics.rejected.inc({ code: 'FRAME_UNKNOWN_KEY' })
      return Promise.resolve(jsonError(410, 'CONNECTION_CLOSED', 'no such polling session', CLOSE_CODES.PROTOCOL_ERROR))
    }
    s.transport.lastRequest = now
    s.conn.touch(now)
    for (const f of frames) s.conn.receive(f)
    return new Promise((resolve) => s.transport.wait(ctx.options.pollWaitMs, resolve, signal))
  }

  /** Answers every waiting request and refuses new ones (shutdown; the connections close with 1001). */
  close(): void {
    this.closing = true
    clearInterval(this.timer)
    for (const s of this.sessions.values()) s.transport.release()
    this.sessions.clear()
  }
}

/** Reads a request body up to `limit` bytes; PAYLOAD_TOO_LARGE beyond. */
export async function readBody(stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let n = 0
  for await (const chunk of stream) {
    n += chunk.length
    if (n > limit) throw new MtChatError('PAYLOAD_TOO_LARGE', `a poll body is at most ${limit} bytes`)
    parts.push(chunk)
  }
  return Buffer.concat(parts, n)
}
