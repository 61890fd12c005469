/**
 * Baseline 1: a plain Socket.IO 4 room relay — no storage, no encryption, no receipts. A client
 * joins its pair's room; whatever a client emits is broadcast to the rest of the room. Started by
 * `bench/relay/index.ts` as its own process on 127.0.0.1; prints `READY <url>`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'

const http = createServer()
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 1e6 })
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? '')
  void socket.join(room)
  socket.on('m', (payload: unknown) => {
    socket.to(room).emit('m', payload)
  })
})
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(http.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
