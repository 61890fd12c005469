/**
 * What a connection needs from its transport (docs/PROTOCOL.md §2: a WebSocket, or the
 * long-polling fallback of §2.8): send a frame into a bounded queue, close with a code. The
 * session logic (`connection.ts`) is the same for both.
 * @module
 */

/** Bounds of a send queue: a consumer that falls further behind is closed with 4010. */
export interface QueueLimits {
  /** Most bytes queued for one connection. */
  maxBytes: number
  /** Most frames queued for one connection. */
  maxFrames: number
}

/** One connection's way out. */
export interface Transport {
  readonly kind: 'ws' | 'poll'
  /** The peer's address, for the audit log (never logged with content). */
  readonly remote: string
  /**
   * Queues a frame. False when it does not fit the queue's bounds: the caller then closes the
   * connection with 4010 (slow consumer) and the client resyncs by pts.
   */
  send(frame: Uint8Array): boolean
  /** Closes the connection with a WebSocket close code (§Errors); idempotent. */
  close(code: number, reason: string): void
}
