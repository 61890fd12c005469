/**
 * WebSocket transport (docs/PROTOCOL.md §2): `ws(s)://<relay>/v1/ws`, binary messages, one message
 * = one frame. Uses the browser's global WebSocket by default; in Node pass the `ws` package's class
 * (the Node entry does this).
 * @module
 */
import { MtChatError } from '../errors.js'
import type { Transport, TransportConnection, TransportHandlers } from './types.js'

/** The part of the WebSocket API the transport uses (the DOM's and the `ws` package's both fit). */
export interface WebSocketLike {
  /** Set to `arraybuffer` by the transport. */
  binaryType: string
  /** 1 when open. */
  readonly readyState: number
  /** Sends one binary message. */
  send(data: Uint8Array): void
  /** Closes the socket. */
  close(code?: number, reason?: string): void
  /** Open handler. */
  onopen: ((ev: unknown) => void) | null
  /** Message handler (`data` an ArrayBuffer). */
  onmessage: ((ev: { data: unknown }) => void) | null
  /** Close handler. */
  onclose: ((ev: { code: number; reason: string }) => void) | null
  /** Error handler. */
  onerror: ((ev: unknown) => void) | null
}

/** A WebSocket class: the browser's `WebSocket` or `import { WebSocket } from 'ws'`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** The relay's WebSocket URL for its http(s) (or ws(s)) base URL. */
export function webSocketUrl(base: string): string {
  const u = new URL(base)
  if (u.protocol === 'http:') u.protocol = 'ws:'
  else if (u.protocol === 'https:') u.protocol = 'wss:'
  u.pathname = u.pathname.replace(/\/+$/, '') + '/v1/ws'
  u.search = ''
  u.hash = ''
  return u.toString()
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return undefined // text messages are not part of the protocol
}

/**
 * The WebSocket transport.
 * @param WebSocketImpl The WebSocket class (default: `globalThis.WebSocket`).
 * @example
 * ```ts
 * import { WebSocket } from 'ws'
 * const transport = webSocketTransport(WebSocket)
 * ```
 */
export function webSocketTransport(WebSocketImpl?: WebSocketConstructor): Transport {
  return {
    name: 'websocket',
    connect(url: string, h: TransportHandlers): TransportConnection {
      const WS = WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
      if (!WS) throw new MtChatError('NOT_SUPPORTED', 'no WebSocket here: pass one (e.g. the ws package) as `WebSocket`', { op: 'transport.websocket' })
      let opened = false
      let closed = false
      const finish = (code: number, reason: string) => {
        if (closed) return
        closed = true
        socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null
        h.close({ code, reason, opened })
      }
      const socket = new WS(webSocketUrl(url))
      socket.binaryType = 'arraybuffer'
      socket.onopen = () => {
        opened = true
        h.open()
      }
      socket.onmessage = (ev) => {
        const frame = toBytes(ev.data)
        if (frame && !closed) h.frame(frame)
      }
      socket.onclose = (ev) => finish(ev.code, ev.reason)
      // An error is always followed by close in browsers; `ws` may not close before opening.
      socket.onerror = () => {
        if (!opened) {
          try {
            socket.close()
          } catch {
            /* already closing */
          }
          finish(1006, 'connection failed')
        }
      }
      return {
        send(frame) {
          if (!closed && socket.readyState === 1) socket.send(frame)
        },
        close(code = 1000, reason = '') {
          if (closed) return
          try {
            socket.close(code, reason)
          } catch {
            /* invalid state while connecting: the finish below still runs */
          }
          finish(code, reason)
        },
      }
    },
  }
}
