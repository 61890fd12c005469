/**
 * The WebSocket endpoint (`/v1/ws` on the relay's HTTP port, docs/PROTOCOL.md §2): binary
 * messages only, one per frame, at most the max frame size — a bigger message is closed by `ws`
 * with 1009 and counted as FRAME_TOO_LARGE. No per-message compression (frames are ciphertext).
 * @module
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { CLOSE_CODES } from '../../sdk/errors.js'
import { Connection } from './connection.js'
import type { GatewayContext } from './context.js'
import { errorFacts } from './log-facts.js'
import { WsTransport } from './ws-transport.js'

/** The path of the WebSocket endpoint. */
export const WS_PATH = '/v1/ws'

/** The client address: the socket's, or the first X-Forwarded-For hop behind a trusted proxy. */
export function remoteAddress(req: IncomingMessage, trustProxy: boolean): string {
  const fwd = trustProxy ? req.headers['x-forwarded-for'] : undefined
  const ip = (typeof fwd === 'string' ? fwd.split(',')[0].trim() : undefined) || req.socket.remoteAddress || 'unknown'
  return ip.replace(/^::ffff:/, '')
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/**
 * A plain Uint8Array view of a message. Not a Buffer: `Buffer#slice` is a view, not a copy, so
 * code that copies with `.slice()` (e.g. to realign ws's arbitrarily offset buffers for
 * Uint32Array access) would silently keep the misaligned view.
 */
function toBytes(data: RawData): Uint8Array {
  const b = Array.isArray(data) ? Buffer.concat(data) : data
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** The WebSocket side of the gateway, attached to an HTTP server's `upgrade` event. */
export class WsEndpoint {
  private readonly wss: WebSocketServer
  private accepting = true
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== WS_PATH) return reject(socket, 404, 'Not Found')
    if (!this.accepting) return reject(socket, 503, 'Service Unavailable')
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, socket))
  }

  constructor(
    private readonly server: Server,
    private readonly ctx: GatewayContext,
    private readonly trustProxy: boolean,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: ctx.options.maxFrame, perMessageDeflate: false, clientTracking: false })
    server.on('upgrade', this.onUpgrade)
  }

  private accept(ws: WebSocket, req: IncomingMessage, socket: Duplex): void {
    const { ctx } = this
    const limits = { maxBytes: ctx.options.sendQueueBytes, maxFrames: ctx.options.sendQueueFrames }
    const transport = new WsTransport(ws, remoteAddress(req, this.trustProxy), limits, ctx.options.closeGraceMs, socket)
    const conn = new Connection(ctx, transport)
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        ctx.metrics.rejected.inc({ code: 'FRAME_NOT_BINARY' })
        return conn.close(CLOSE_CODES.PROTOCOL_ERROR, 'binary frames only')
      }
      conn.receive(toBytes(data))
    })
    ws.on('close', (code) => conn.closed(code))
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') ctx.metrics.rejected.inc({ code: 'FRAME_TOO_LARGE' })
      else ctx.log.debug({ err: errorFacts(err), conn: conn.tag }, 'gateway: socket error')
    })
  }

  /** Refuses new upgrades (503); open sockets are closed by the hub. */
  stopAccepting(): void {
    this.accepting = false
  }

  /** Detaches from the HTTP server. */
  close(): void {
    this.accepting = false
    this.server.off('upgrade', this.onUpgrade)
    this.wss.close()
  }
}
