/**
 * Accounts on the relay itself (docs/PROTOCOL.md §6, `/v1/auth/*`): sign up, sign in and sign out
 * over HTTP, returning the session token `createClient` signs in with. Sites with their own
 * accounts skip this and hand the client a host-signed JWT instead.
 * @module
 */
import { MtChatError } from './errors.js'
import { HttpApi, type FetchLike } from './client/http.js'

/** A user as the relay shows it. */
export interface RelayUser {
  /** The user id. */
  id: number
  /** The username, if the account has one. */
  username?: string
  /** The display name, if set. */
  display_name?: string
}

/** What sign-up and sign-in return. */
export interface Session {
  /** The signed-in user. */
  user: RelayUser
  /** The session token for `createClient({ token })`. Keep it secret. */
  token: string
  /** Unix ms when the token expires, when the relay says. */
  expiresAt?: number
}

/** Common options: where the relay is and, optionally, which fetch to use. */
export interface AccountOptions {
  /** The relay's base URL. */
  url: string
  /** The fetch function (default: the global one). */
  fetch?: FetchLike
  /** Cancels the request. */
  signal?: AbortSignal
}

/** Options of {@link signUp}: a username, email or phone, and a password. */
export interface SignUpOptions extends AccountOptions {
  /** A username: 3–32 letters, digits or _, starting with a letter. */
  username?: string
  /** An email address (the relay may ask to verify it). */
  email?: string
  /** A phone number (the relay may ask to verify it). */
  phone?: string
  /** The password (8+ characters). */
  password: string
  /** A name to show instead of the username. */
  displayName?: string
}

/** Options of {@link signIn}. */
export interface SignInOptions extends AccountOptions {
  /** Username, email or phone. */
  login: string
  /** The password. */
  password: string
  /** The 6-digit TOTP code when the account has a second factor (else TOTP_REQUIRED). */
  totp?: string
}

function asSession(j: { user: RelayUser; token?: string; expires_at?: number }, op: string): Session {
  if (typeof j?.token !== 'string')
    throw new MtChatError('VERIFICATION_REQUIRED', 'the account must be verified before it can sign in', { op })
  return { user: j.user, token: j.token, ...(typeof j.expires_at === 'number' ? { expiresAt: j.expires_at } : {}) }
}

/**
 * Creates an account on the relay and returns a signed-in session.
 * @throws MtChatError CONFLICT (name taken), BAD_REQUEST, RATE_LIMITED, VERIFICATION_REQUIRED
 *   (the relay wants the phone or email verified first), CONNECTION_FAILED.
 * @example
 * ```ts
 * const { token } = await signUp({ url: 'https://relay.example', username: 'alice', password: 'correct horse' })
 * const client = createClient({ url: 'https://relay.example', serverKey, token })
 * ```
 */
export async function signUp(o: SignUpOptions): Promise<Session> {
  if (!o.username && !o.email && !o.phone) throw new MtChatError('INVALID_ARGUMENT', 'one of username, email or phone is needed', { op: 'signUp' })
  const body = {
    ...(o.username ? { username: o.username } : {}),
    ...(o.email ? { email: o.email } : {}),
    ...(o.phone ? { phone: o.phone } : {}),
    password: o.password,
    ...(o.displayName ? { display_name: o.displayName } : {}),
  }
  const j = await new HttpApi(o).request<{ user: RelayUser; token?: string }>('POST', '/v1/auth/register', { body, signal: o.signal })
  return asSession(j, 'signUp')
}

/**
 * Signs in with a login name and password and returns a session.
 * @throws MtChatError INVALID_CREDENTIALS, TOTP_REQUIRED, TOTP_INVALID, RATE_LIMITED (locked; see
 *   `details.retryAfter`), CONNECTION_FAILED.
 * @example
 * ```ts
 * const { token, user } = await signIn({ url, login: 'alice', password })
 * ```
 */
export async function signIn(o: SignInOptions): Promise<Session> {
  const body = { login: o.login, password: o.password, ...(o.totp ? { totp: o.totp } : {}) }
  const j = await new HttpApi(o).request<{ user: RelayUser; token: string; expires_at?: number }>('POST', '/v1/auth/login', { body, signal: o.signal })
  return asSession(j, 'signIn')
}

/**
 * Revokes a session token on the relay.
 * @example
 * ```ts
 * await signOut({ url, token })
 * ```
 */
export async function signOut(o: AccountOptions & { token: string }): Promise<void> {
  await new HttpApi({ ...o, token: () => o.token }).request('POST', '/v1/auth/logout', { signal: o.signal })
}

/**
 * Fetches the relay's Ed25519 public key (`GET /v1/server-key`). Pinning a key fetched over the
 * same connection only trusts that connection (TLS): ship the key with your app where you can.
 * @example
 * ```ts
 * const serverKey = await fetchServerKey({ url })
 * ```
 */
export async function fetchServerKey(o: AccountOptions): Promise<string> {
  const j = await new HttpApi(o).request<{ key: string }>('GET', '/v1/server-key', { signal: o.signal })
  if (typeof j?.key !== 'string') throw new MtChatError('SCHEMA_INVALID', 'server-key answer has no key', { op: 'fetchServerKey' })
  return j.key
}
