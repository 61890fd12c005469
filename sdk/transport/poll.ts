/**
 * The HTTP long-polling transport (docs/PROTOCOL.md §2.8), the fallback for networks where
 * WebSocket cannot connect. Most clients never use it, so its code (`./poll-http.ts`) is imported
 * on the first `connect`; until it is there, the connection handed back holds what is sent and a
 * `close` ends it without opening.
 * @module
 */
import { MtChatError } from '../errors.js'
import { lazy } from '../util/lazy.js'
import type { FetchLike } from '../client/http.js'
import type { Transport, TransportConnection, TransportHandlers } from './types.js'

const impl = lazy('long-polling', () => import('./poll-http.js'))

/**
 * The long-polling transport.
 * @param fetchImpl The fetch function (default: `globalThis.fetch`).
 * @example
 * ```ts
 * const client = createClient({ url, serverKey, token, transport: pollTransport() })
 * ```
 */
export function pollTransport(fetchImpl?: FetchLike): Transport {
  return {
    name: 'poll',
    connect(url: string, h: TransportHandlers): TransportConnection {
      const f = fetchImpl ?? (globalThis.fetch as FetchLike | undefined)
      if (!f) throw new MtChatError('NOT_SUPPORTED', 'no fetch here: pass one as `fetch`', { op: 'transport.poll' })
      let conn: TransportConnection | undefined
      let ended = false
      const held: Uint8Array[] = []
      impl()
        .then((m) => {
          if (ended) return
          conn = m.connectPoll(url, h, f)
          for (const frame of held.splice(0)) conn.send(frame)
        })
        .catch((err: unknown) => {
          if (ended || conn) return // a failure after opening is the connection's own to report
          ended = true
          h.close({ code: 1006, reason: MtChatError.is(err) ? err.message : String(err), opened: false })
        })
      return {
        send(frame) {
          if (conn) conn.send(frame)
          else if (!ended) held.push(frame)
        },
        close(code = 1000, reason = '') {
          if (conn) return conn.close(code, reason)
          if (ended) return
          ended = true
          h.close({ code, reason, opened: false })
        },
      }
    },
  }
}
