/**
 * The transport interface: something that carries whole layer-1 frames between the client and the
 * relay (docs/PROTOCOL.md §2: one WebSocket message = one frame; §2.8: the same frames over HTTP
 * long-polling). Transports know nothing about encryption or sessions; `connection.ts` does that on
 * top of whichever transport opened.
 * @module
 */

/** What a transport reports back to the connection that opened it. */
export interface TransportHandlers {
  /** The transport is ready to carry frames. */
  open(): void
  /** One frame from the relay. */
  frame(frame: Uint8Array): void
  /**
   * The transport ended (called at most once). `opened` says whether `open` was called first, so
   * the connection can tell "could not connect" from "connection lost".
   */
  close(info: { code: number; reason: string; opened: boolean }): void
}

/** One open (or opening) transport. */
export interface TransportConnection {
  /** Sends one frame; frames go out in call order. */
  send(frame: Uint8Array): void
  /** Ends the transport; `handlers.close` follows. */
  close(code?: number, reason?: string): void
}

/**
 * A way to reach the relay. The SDK ships WebSocket ({@link webSocketTransport}) and HTTP
 * long-polling ({@link pollTransport}); tests and Storybook can plug in anything that moves frames.
 * @example
 * ```ts
 * const client = createClient({ url, serverKey, token, transport: [webSocketTransport(), pollTransport()] })
 * ```
 */
export interface Transport {
  /** For diagnostics and the `state` event: "websocket", "poll", … */
  readonly name: string
  /** Starts connecting to the relay at `url` (its http(s) base URL). */
  connect(url: string, handlers: TransportHandlers): TransportConnection
}
