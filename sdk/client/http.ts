/**
 * The relay's HTTP API (docs/PROTOCOL.md §6) as the SDK calls it: JSON in and out, the bearer
 * token from the token provider (asked for a fresh one once on 401), and every failure as an
 * MtChatError — the relay's `{ error: { code, message } }` keeps its code, a network failure is
 * CONNECTION_FAILED. The fetch function is injectable (Node 20 and browsers have a global one).
 * @module
 */
import { MtChatError, type ErrorCode } from '../errors.js'

/** A fetch function (the global one, or an injected one). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

/** Options of {@link HttpApi}. */
export interface HttpApiOptions {
  /** The relay's base URL. */
  url: string
  fetch?: FetchLike
  /** The bearer token; `refresh` asks for a fresh one after a 401. Omit for unauthenticated calls. */
  token?: (refresh: boolean) => string | Promise<string>
}

/** Options of one request. */
export interface RequestOptions {
  /** JSON body, or raw bytes (sent as application/octet-stream). */
  body?: unknown
  signal?: AbortSignal
  /** Return the Response as is (for streamed downloads) instead of parsing JSON. */
  raw?: boolean
}

/** Builds the error of a failed answer from its JSON body (or its status when there is none). */
export async function errorFromResponse(res: Response, op: string): Promise<MtChatError> {
  let code: ErrorCode = res.status === 401 ? 'UNAUTHORIZED' : res.status === 404 ? 'NOT_FOUND' : res.status === 429 ? 'RATE_LIMITED' : res.status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'
  let message: string | undefined
  let retryAfter: number | undefined
  try {
    const j = (await res.json()) as { error?: { code?: unknown; message?: unknown; retry_after?: unknown } }
    if (MtChatError.isCode(j.error?.code)) code = j.error.code
    if (typeof j.error?.message === 'string') message = j.error.message
    if (typeof j.error?.retry_after === 'number') retryAfter = j.error.retry_after
  } catch {
    /* not JSON: keep the status-derived code */
  }
  const header = Number(res.headers.get('retry-after'))
  if (retryAfter === undefined && Number.isFinite(header) && header > 0) retryAfter = header
  return new MtChatError(code, message, { op, details: { status: res.status, ...(retryAfter !== undefined ? { retryAfter } : {}) } })
}

/**
 * A small client for the relay's HTTP routes.
 * @example
 * ```ts
 * const api = new HttpApi({ url: 'https://relay.example', token: () => token })
 * const me = await api.request('GET', '/v1/me')
 * ```
 */
export class HttpApi {
  readonly #o: HttpApiOptions
  readonly #base: string

  constructor(opts: HttpApiOptions) {
    this.#o = opts
    this.#base = opts.url.replace(/\/+$/, '')
  }

  /** The relay's base URL without a trailing slash. */
  get base(): string {
    return this.#base
  }

  /** Sends a request and returns its JSON answer (undefined for 204), or the Response with `raw`. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const op = `${method} ${path.replace(/\?.*$/, '')}`
    for (let refresh = false; ; refresh = true) {
      const res = await this.#send(method, path, opts, refresh, op)
      if (res.status === 401 && this.#o.token && !refresh) {
        await res.body?.cancel().catch(() => undefined)
        continue // the token may have expired: one more try with a fresh one
      }
      if (!res.ok) throw await errorFromResponse(res, op)
      if (opts.raw) return res as T
      if (res.status === 204) return undefined as T
      try {
        return (await res.json()) as T
      } catch (cause) {
        throw new MtChatError('SCHEMA_INVALID', `${op}: the answer is not JSON`, { op, cause })
      }
    }
  }

  async #send(method: string, path: string, opts: RequestOptions, refresh: boolean, op: string): Promise<Response> {
    const f = this.#o.fetch ?? (globalThis.fetch as FetchLike | undefined)
    if (!f) throw new MtChatError('NOT_SUPPORTED', 'no fetch here: pass one as `fetch`', { op })
    const headers: Record<string, string> = {}
    if (this.#o.token) headers.authorization = `Bearer ${await this.#o.token(refresh)}`
    let body: BodyInit | undefined
    if (opts.body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream'
      body = opts.body as Uint8Array<ArrayBuffer>
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(opts.body)
    }
    try {
      return await f(this.#base + path, { method, headers, body, signal: opts.signal })
    } catch (cause) {
      if (opts.signal?.aborted) throw new MtChatError('ABORTED', `${op} aborted`, { op, cause })
      throw new MtChatError('CONNECTION_FAILED', `${op}: the relay is unreachable`, { op, cause })
    }
  }
}
