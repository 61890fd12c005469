/**
 * What the two raw `ws` baselines share: an HTTP server on 127.0.0.1 with a WebSocketServer where
 * the sockets of one `?pair=` know each other, `READY <url>` printed once listening. Each baseline
 * says what to do with a message.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

/** Called for every binary message `from` sent; `members` are its pair's open and closed sockets. */
export type OnMessage = (pair: string, from: WebSocket, data: Buffer, members: readonly WebSocket[]) => void

/** Sends `data` to every open socket of `members` but `from`. */
export function forward(from: WebSocket, data: Buffer, members: readonly WebSocket[]): void {
  for (const other of members) if (other !== from && other.readyState === other.OPEN) other.send(data, { binary: true })
}

/** Starts the relay; prints `READY http://127.0.0.1:<port>`. */
export function startPairRelay(onMessage: OnMessage): void {
  const http = createServer()
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 1 << 20 })
  const pairs = new Map<string, WebSocket[]>()
  wss.on('connection', (ws, req) => {
    const pair = new URL(req.url ?? '/', 'http://x').searchParams.get('pair') ?? ''
    const members = pairs.get(pair) ?? []
    members.push(ws)
    pairs.set(pair, members)
    ws.on('message', (data: Buffer) => onMessage(pair, ws, data, members))
    ws.on('close', () => {
      const i = members.indexOf(ws)
      if (i >= 0) members.splice(i, 1)
    })
  })
  http.listen(0, '127.0.0.1', () => {
    process.stdout.write(`READY http://127.0.0.1:${(http.address() as AddressInfo).port}\n`)
  })
}
