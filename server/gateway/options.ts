/**
 * Gateway limits and timers, with defaults that suit a chat client (DESIGN "Server": bounded send
 * queues, per-connection rate limits, max frame size, ping/idle timeout; docs/PROTOCOL.md §2.6
 * salts and §2.8 long-polling).
 * @module
 */
import { DEFAULT_MAX_FRAME_SIZE } from '../../sdk/protocol/frame.js'
import { SALT_PERIOD_MS } from '../../sdk/protocol/salts.js'
import type { RateSpec } from './rate-limit.js'

/** Everything tunable about the gateway; every field has a default. */
export interface GatewayOptions {
  /** Largest frame in either direction (bytes); a bigger WebSocket message is closed with 1009. */
  maxFrame?: number
  /** Most bytes waiting to be written to one connection before it is closed with 4010. */
  sendQueueBytes?: number
  /** Most frames waiting to be written to one connection before it is closed with 4010. */
  sendQueueFrames?: number
  /** Most pushed frames awaiting the client's `msgs_ack` (a client that never acks is a slow consumer). */
  maxUnacked?: number
  /** RPC requests per connection. */
  requestRate?: RateSpec
  /** Frames of any kind per connection (requests, acks, pings). */
  frameRate?: RateSpec
  /** Refusals (rate limit) within `abuseWindowMs` after which the connection is closed with 4008. */
  abuseMax?: number
  abuseWindowMs?: number
  /** Failed `auth.signIn` attempts on one connection before it is closed with 4003. */
  maxSignInFailures?: number
  /** Close a connection that sent nothing for this long (4004). Clients ping more often than this. */
  idleTimeoutMs?: number
  /** Close a connection whose handshake did not arrive within this time (4004). */
  handshakeTimeoutMs?: number
  /** How often idle, handshake and salt timers are checked. */
  sweepIntervalMs?: number
  /** Salt rotation period (§2.6). */
  saltPeriodMs?: number
  /** Long-polling: how long a request without frames waits for something to send (§2.8). */
  pollWaitMs?: number
  /** Long-polling: a session is dropped this long after its last request (§2.8). */
  pollSessionTtlMs?: number
  /** How long a closing socket may take to flush its close frame before it is terminated. */
  closeGraceMs?: number
}

/** {@link GatewayOptions} with every default applied. */
export type ResolvedGatewayOptions = Required<GatewayOptions>

/** The defaults. */
export const GATEWAY_DEFAULTS: ResolvedGatewayOptions = {
  maxFrame: DEFAULT_MAX_FRAME_SIZE,
  sendQueueBytes: 4 * 1024 * 1024,
  sendQueueFrames: 4096,
  maxUnacked: 4096,
  requestRate: { perSecond: 200, burst: 400 },
  frameRate: { perSecond: 600, burst: 1200 },
  abuseMax: 50,
  abuseWindowMs: 10_000,
  maxSignInFailures: 3,
  idleTimeoutMs: 90_000,
  handshakeTimeoutMs: 10_000,
  sweepIntervalMs: 5_000,
  saltPeriodMs: SALT_PERIOD_MS,
  pollWaitMs: 25_000,
  pollSessionTtlMs: 60_000,
  closeGraceMs: 5_000,
}

/** Applies the defaults. */
export function resolveGatewayOptions(o: GatewayOptions = {}): ResolvedGatewayOptions {
  const r = { ...GATEWAY_DEFAULTS }
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v
  if (r.sendQueueBytes < r.maxFrame) r.sendQueueBytes = r.maxFrame * 2
  return r
}
