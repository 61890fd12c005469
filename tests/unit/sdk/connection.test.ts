// The connection state machine against the in-process fake relay: states, pinned key, token
// refresh, reconnect and transport fallback, RPC errors and timeouts, salts, acks and keepalive.
import { afterEach, describe, expect, it } from 'vitest'
import { clientCryptoOf } from '../../../sdk/crypto/client-crypto.js'
import { nobleProvider } from '../../../sdk/crypto/noble.js'
import { MtChatError } from '../../../sdk/errors.js'
import { Connection, type ConnectionOptions, type ConnectionStateEvent } from '../../../sdk/transport/connection.js'
import { FakeRelay } from './fake-relay.js'

const open: Connection[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.stop()
})

function connect(relay: FakeRelay, extra: Partial<ConnectionOptions> = {}) {
  const states: ConnectionStateEvent[] = []
  const errors: MtChatError[] = []
  const c = new Connection({
    url: 'http://relay.test',
    serverKey: relay.publicKey,
    provider: clientCryptoOf(nobleProvider),
    transports: [relay.transport()],
    token: 'tok',
    backoff: { baseMs: 5, maxMs: 20 },
    ...extra,
  })
  c.on('state', (s) => states.push(s))
  c.on('error', (e) => errors.push(e))
  open.push(c)
  return { c, states, errors }
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('Connection', () => {
  it('goes connecting → handshaking → signing-in → online and answers RPCs', async () => {
    const relay = new FakeRelay()
    const { c, states } = connect(relay)
    expect(c.state).toBe('idle')
    const r = await c.call('updates.getState', {})
    expect(r.pts).toBe(0)
    expect(states.map((s) => `${s.from}>${s.to}:${s.code}`)).toEqual([
      'idle>connecting:start',
      'connecting>handshaking:opened',
      'handshaking>signing-in:handshake_done',
      'signing-in>online:signed_in',
    ])
    expect(c.signedIn?.device_id).toBe('dev1')
    expect(relay.received[0]).toMatchObject({ _: 'auth.signIn', token: 'tok' })
  })

  it('reports a failing key operation of the handshake, closes, and succeeds on a later attempt', async () => {
    const relay = new FakeRelay()
    const base = clientCryptoOf(nobleProvider)
    let failures = 1
    const keys = {
      ...base.keys,
      x25519Keygen: () => (failures-- > 0 ? Promise.reject(new MtChatError('CHUNK_LOAD_FAILED', 'offline')) : base.keys.x25519Keygen()),
    }
    const { c, errors } = connect(relay, { provider: { ...base, keys } })
    expect((await c.call('updates.getState', {})).pts).toBe(0)
    expect(errors.map((e) => e.code)).toContain('CHUNK_LOAD_FAILED')
    expect(relay.conns.length).toBe(2)
  })

  it('refuses a relay whose key is not the pinned one, and does not retry', async () => {
    const relay = new FakeRelay()
    const other = new FakeRelay()
    const { c, states } = connect(relay, { serverKey: other.publicKey })
    await expect(c.call('updates.getState', {})).rejects.toMatchObject({ code: 'HANDSHAKE_BAD_SIGNATURE' })
    expect(states.at(-1)).toMatchObject({ to: 'offline', code: 'HANDSHAKE_BAD_SIGNATURE' })
    expect(states.at(-1)!.retryInMs).toBeUndefined()
    await new Promise((r) => setTimeout(r, 60))
    expect(relay.conns.length).toBe(1)
  })

  it('asks the token provider for a fresh token once when the relay says UNAUTHORIZED', async () => {
    const relay = new FakeRelay()
    const signIn = relay.handlers['auth.signIn']
    relay.handlers['auth.signIn'] = (p, conn) => {
      if (p.token !== 'fresh') throw new MtChatError('UNAUTHORIZED', 'expired')
      return signIn(p, conn)
    }
    const asked: boolean[] = []
    const { c } = connect(relay, { token: ({ refresh }) => (asked.push(refresh), refresh ? 'fresh' : 'stale') })
    await c.whenOnline()
    expect(asked).toEqual([false, true])
  })

  it('stops with UNAUTHORIZED when even a fresh token is refused', async () => {
    const relay = new FakeRelay()
    relay.handlers['auth.signIn'] = () => {
      throw new MtChatError('UNAUTHORIZED', 'no')
    }
    const { c, states } = connect(relay, { token: () => 'bad' })
    await expect(c.whenOnline()).rejects.toMatchObject({ code: 'UNAUTHORIZED' })
    expect(states.at(-1)).toMatchObject({ to: 'offline', code: 'UNAUTHORIZED' })
    expect(relay.received.filter((b) => b._ === 'auth.signIn').length).toBe(2)
  })

  it('reconnects with backoff after the relay drops the connection', async () => {
    const relay = new FakeRelay()
    const { c, states } = connect(relay)
    await c.whenOnline()
    relay.conns[0].close(1001, 'restart')
    await until(() => states.filter((s) => s.to === 'online').length === 2)
    const offline = states.find((s) => s.to === 'offline')!
    expect(offline.retryInMs).toBeGreaterThan(0)
    expect(offline.code).toBe('CONNECTION_CLOSED')
    expect(relay.conns.length).toBe(2)
    expect((await c.call('updates.getState', {})).pts).toBe(0)
  })

  it('falls back to the next transport (long-polling) when the first cannot open', async () => {
    const blocked = new FakeRelay({ name: 'websocket', refuseOpen: true })
    const relay = new FakeRelay({ name: 'poll' })
    const { c, states } = connect(relay, { transports: [blocked.transport(), relay.transport()] })
    await c.whenOnline()
    expect(c.transport).toBe('poll')
    expect(states.find((s) => s.to === 'offline')).toMatchObject({ transport: 'websocket', retryInMs: 0 })
    expect(states.at(-1)).toMatchObject({ to: 'online', transport: 'poll' })
  })

  it('rejects an RPC with the relay error code, retry_after included', async () => {
    const relay = new FakeRelay()
    relay.handlers['messages.typing'] = () => {
      throw new MtChatError('RATE_LIMITED', 'slow down', { details: { retryAfter: 3 } })
    }
    const { c } = connect(relay)
    const err = await c.call('messages.typing', { peer: 2 }).catch((e: unknown) => e)
    expect(MtChatError.is(err, 'RATE_LIMITED')).toBe(true)
    expect((err as MtChatError).details.retryAfter).toBe(3)
  })

  it('times out an unanswered RPC with TIMEOUT and rejects in-flight calls with CONNECTION_CLOSED', async () => {
    const relay = new FakeRelay()
    relay.handlers['messages.typing'] = () => new Promise(() => {})
    const { c } = connect(relay, { rpcTimeoutMs: 50 })
    await expect(c.call('messages.typing', { peer: 2 })).rejects.toMatchObject({ code: 'TIMEOUT' })
    const inflight = c.call('messages.typing', { peer: 2 }, { timeoutMs: 5000 })
    await until(() => relay.received.filter((b) => b._ === 'messages.typing').length === 2)
    relay.conns[0].close(1001)
    await expect(inflight).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' })
  })

  it('re-sends a request refused with bad_server_salt under a new msg_id', async () => {
    const relay = new FakeRelay({ rotateSaltAtStart: true })
    const { c } = connect(relay)
    // auth.signIn itself is the first request refused for its salt.
    await c.whenOnline()
    expect((await c.call('updates.getState', {})).pts).toBe(0)
    const signIns = relay.received.filter((b) => b._ === 'auth.signIn')
    expect(signIns.length).toBe(1) // the refused frame never reached the handler
  })

  it('acks an updates frame only after its handler finished', async () => {
    const relay = new FakeRelay()
    let release!: () => void
    const handled = new Promise<void>((r) => (release = r))
    const { c } = connect(relay, { ackDelayMs: 10, onUpdates: () => handled })
    await c.whenOnline()
    relay.push([{ _: 'update.typing', peer: 2 }], 0)
    await new Promise((r) => setTimeout(r, 100))
    const acksBefore = relay.received.filter((b) => b._ === 'msgs_ack')
    // Only the sign-in answer may be acked so far, never the updates frame.
    const ackedIds = acksBefore.flatMap((b) => (b._ === 'msgs_ack' ? b.msg_ids : []))
    expect(ackedIds.length).toBeLessThanOrEqual(1)
    release()
    await until(() => relay.received.filter((b) => b._ === 'msgs_ack').flatMap((b) => (b._ === 'msgs_ack' ? b.msg_ids : [])).length >= 2)
  })

  it('never acks a frame whose handler failed; it reconnects instead', async () => {
    const relay = new FakeRelay()
    const { c, errors, states } = connect(relay, { ackDelayMs: 5, onUpdates: () => Promise.reject(new MtChatError('STORAGE_FAILED', 'disk full')) })
    await c.whenOnline()
    await new Promise((r) => setTimeout(r, 30)) // the sign-in answer's ack goes out
    const acked = relay.received.filter((b) => b._ === 'msgs_ack').length
    relay.push([{ _: 'update.typing', peer: 2 }], 0)
    await until(() => states.filter((s) => s.to === 'online').length >= 2)
    expect(errors.some((e) => e.code === 'STORAGE_FAILED')).toBe(true)
    expect(relay.conns[0].received.filter((b) => b._ === 'msgs_ack').length).toBe(acked)
  })

  it('drops a connection that stops answering pings and reconnects', async () => {
    const relay = new FakeRelay()
    const { c, states } = connect(relay, { pingIntervalMs: 30, pongTimeoutMs: 250 })
    await c.whenOnline()
    await new Promise((r) => setTimeout(r, 80))
    expect(relay.received.some((b) => b._ === 'ping')).toBe(true)
    expect(states.filter((s) => s.to === 'offline')).toEqual([]) // pongs keep it alive
    relay.answering = false
    await until(() => states.some((s) => s.to === 'offline'))
    relay.answering = true
    // ≥: on a loaded machine a starved event loop can miss another pong deadline and bounce again.
    await until(() => states.filter((s) => s.to === 'online').length >= 2)
  })

  it('stop() closes for good and rejects waiting calls', async () => {
    const relay = new FakeRelay({ refuseOpen: true })
    const { c, states } = connect(relay)
    const waiting = c.call('updates.getState', {})
    c.stop()
    await expect(waiting).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' })
    expect(states.at(-1)).toMatchObject({ to: 'closed', code: 'stop' })
    await expect(c.call('updates.getState', {}, { waitOnline: false })).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' })
  })
})
