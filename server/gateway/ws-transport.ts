/**
 * The WebSocket transport: one binary message per frame (docs/PROTOCOL.md §2). Backpressure is
 * the socket's own buffer, bounded: `bufferedAmount` (bytes the kernel has not taken yet) and the
 * number of writes not yet flushed; a frame that would go over either bound is refused, and the
 * connection is closed with 4010 so memory never grows with a reader that does not read.
 *
 * Frames written together go out in one `writev`: the socket is corked at the first write and
 * uncorked by a microtask queued then (a commit answers hundreds of requests at once; one syscall
 * per frame was ~8% of the relay's CPU under load). A microtask, not `process.nextTick`: a tick
 * queued from a promise reaction runs only once the whole microtask queue is empty, so the
 * `updates` pushes of a commit (written first) waited on their sockets until every `rpc_result`
 * of the commit was encrypted too, ~5–8 ms per commit of 250 sends — and the pushes are what the
 * recipients act on. The microtask runs after the reactions queued before it, which still
 * gathers a commit's answers on one socket into one write.
 * @module
 */
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

/** Corked bytes after which a turn's writes are flushed early. */
const CORK_FLUSH_BYTES = 64 * 1024
import type { QueueLimits, Transport } from './transport.js'

/** A {@link Transport} over a `ws` socket. */
export class WsTransport implements Transport {
  readonly kind = 'ws'
  private pending = 0
  private closed = false
  private corked = 0
  private readonly flushed = (): void => {
    this.pending--
  }
  private readonly uncork = (): void => {
    if (this.corked === 0) return
    this.corked = 0
    this.socket?.uncork()
  }

  /**
   * @param socket The upgraded TCP socket under `ws`, corked per turn (omit to write frame by frame).
   */
  constructor(
    private readonly ws: WebSocket,
    readonly remote: string,
    private readonly limits: QueueLimits,
    private readonly closeGraceMs = 5000,
    private readonly socket?: Duplex,
  ) {}

  send(frame: Uint8Array): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return true
    if (this.pending >= this.limits.maxFrames || this.ws.bufferedAmount + frame.length > this.limits.maxBytes) return false
    if (this.socket) {
      if (this.corked === 0) {
        this.socket.cork()
        queueMicrotask(this.uncork)
      } else if (this.corked > CORK_FLUSH_BYTES) {
        this.socket.uncork()
        this.socket.cork()
        this.corked = 1
      }
      this.corked += frame.length
    }
    this.pending++
    this.ws.send(frame, { binary: true }, this.flushed)
    return true
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.uncork()
    if (this.ws.readyState === this.ws.CONNECTING || this.ws.readyState === this.ws.OPEN) {
      this.ws.close(code, reason)
      // A peer that never answers the close handshake (or never reads) must not pin the socket.
      const ws = this.ws
      setTimeout(() => ws.terminate(), this.closeGraceMs).unref()
    }
  }
}
