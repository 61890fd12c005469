/**
 * The WebSocket transport: one binary message per frame (docs/PROTOCOL.md §2). Backpressure is
 * the socket's own buffer, bounded: `bufferedAmount` (bytes the kernel has not taken yet) and the
 * number of writes not yet flushed; a frame that would go over either bound is refused, and the
 * connection is closed with 4010 so memory never grows with a reader that does not read.
 * @module
 */
import type { WebSocket } from 'ws'
import type { QueueLimits, Transport } from './transport.js'

/** A {@link Transport} over a `ws` socket. */
export class WsTransport implements Transport {
  readonly kind = 'ws'
  private pending = 0
  private closed = false
  private readonly flushed = (): void => {
    this.pending--
  }

  constructor(
    private readonly ws: WebSocket,
    readonly remote: string,
    private readonly limits: QueueLimits,
    private readonly closeGraceMs = 5000,
  ) {}

  send(frame: Uint8Array): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return true
    if (this.pending >= this.limits.maxFrames || this.ws.bufferedAmount + frame.length > this.limits.maxBytes) return false
    this.pending++
    this.ws.send(frame, { binary: true }, this.flushed)
    return true
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    if (this.ws.readyState === this.ws.CONNECTING || this.ws.readyState === this.ws.OPEN) {
      this.ws.close(code, reason)
      // A peer that never answers the close handshake (or never reads) must not pin the socket.
      const ws = this.ws
      setTimeout(() => ws.terminate(), this.closeGraceMs).unref()
    }
  }

  /** Drops the socket at once (a consumer too slow even for a close frame). */
  terminate(): void {
    this.closed = true
    this.ws.terminate()
  }
}
