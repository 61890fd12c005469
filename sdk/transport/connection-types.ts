/**
 * The public types of the connection state machine (`connection.ts`): its states and `state`
 * events, the token provider, and the options of the connection and of one call.
 * @module
 */
import type { ErrorCode } from '../errors.js'
import type { RelayBody } from '../protocol/schemas/registry.js'
import type { RpcResultOf } from '../protocol/schemas/rpc.js'
import type { BackoffOptions } from './backoff.js'
import type { Transport } from './types.js'
import type { ClientCrypto } from '../crypto/provider.js'

/** Where the connection is. */
export type ConnectionState = 'idle' | 'connecting' | 'handshaking' | 'signing-in' | 'online' | 'offline' | 'closed'

/** One transition of the connection state machine. */
export interface ConnectionStateEvent {
  /** The state before. */
  from: ConnectionState
  /** The state now. */
  to: ConnectionState
  /** Why: an error code for failures, else a step name. */
  code: ErrorCode | 'start' | 'opened' | 'handshake_done' | 'signed_in' | 'retry' | 'stop'
  /** A human-readable reason. */
  reason: string
  /** The transport in use or being tried. */
  transport?: string
  /** For `offline`: ms until the next attempt (absent when no retry will happen). */
  retryInMs?: number
}

/**
 * Where session tokens come from: a fixed string, or a function called on every (re)connect that
 * is asked for a fresh token (`refresh: true`) after the relay refused the last one.
 */
export type TokenProvider = string | ((ctx: { refresh: boolean }) => string | Promise<string>)

/** The result of `auth.signIn`. */
export type SignInResult = RpcResultOf<'auth.signIn'>

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  /** The relay's base URL (http(s)://host[:port]). */
  url: string
  /** The relay's pinned Ed25519 public key. */
  serverKey: Uint8Array
  /** Frame crypto, and the key operations of the handshake. */
  provider: ClientCrypto
  /** Tried in order; the first that opens is kept for later reconnects. */
  transports: Transport[]
  token: TokenProvider
  /** The device id to sign in with (undefined on the first run: the relay assigns one). */
  deviceId?: () => string | undefined | Promise<string | undefined>
  /** Runs after `auth.signIn` succeeded and before the state becomes `online`. */
  onSignedIn?: (result: SignInResult) => void | Promise<void>
  /** Relay pushes (`updates`); the frame is acked once the returned promise settles. */
  onUpdates?: (body: Extract<RelayBody, { _: 'updates' }>) => void | Promise<void>
  now?: () => number
  backoff?: BackoffOptions
  /** Transport open + handshake + sign-in must finish within this (default 15 s). */
  connectTimeoutMs?: number
  /** Default RPC timeout (default 30 s). */
  rpcTimeoutMs?: number
  /** Ping period while online (default 25 s). */
  pingIntervalMs?: number
  /** Without any frame this long after a ping, the connection is dropped (default 10 s). */
  pongTimeoutMs?: number
  /** msgs_ack batching delay (default 200 ms, §2.7). */
  ackDelayMs?: number
}

/** Options of {@link Connection.call}. */
export interface CallOptions {
  /** Default the connection's rpcTimeoutMs. */
  timeoutMs?: number
  /** Wait until online (default). With false, an offline connection rejects at once (CONNECTION_CLOSED). */
  waitOnline?: boolean
  /** Runs on the validated result before the caller resumes; the answer frame's ack waits for it. */
  onResult?: (result: unknown) => void | Promise<void>
  signal?: AbortSignal
}
