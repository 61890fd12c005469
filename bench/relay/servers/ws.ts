/**
 * Baseline 2: a raw `ws` relay — each pair's two sockets forward every binary message to each
 * other; nothing else. Started by `bench/relay/index.ts` as its own process; prints `READY <url>`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

const http = createServer()
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 1 << 20 })
const pairs = new Map<string, WebSocket[]>()
wss.on('connection', (ws, req) => {
  const pair = new URL(req.url ?? '/', 'http://x').searchParams.get('pair') ?? ''
  const members = pairs.get(pair) ?? []
  members.push(ws)
  pairs.set(pair, members)
  ws.on('message', (data, isBinary) => {
    for (const other of members) if (other !== ws && other.readyState === other.OPEN) other.send(data, { binary: isBinary })
  })
  ws.on('close', () => {
    const i = members.indexOf(ws)
    if (i >= 0) members.splice(i, 1)
  })
})
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(http.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
