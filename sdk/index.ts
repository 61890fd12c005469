/**
 * mt-chat — the browser entry of the SDK (no Node built-ins). An explicit list of exports: what is
 * not named here is internal. Node users get the same API from the package's "node" condition
 * (`sdk/index.node.ts`), with file storage and the `ws` WebSocket as defaults.
 *
 * @example
 * ```ts
 * import { createClient } from 'mt-chat'
 * const client = createClient({ url, serverKey, token: () => fetch('/chat-token').then((r) => r.text()) })
 * await client.secretChat('bob').send('Hello')
 * ```
 * @module
 */
import { defaultCrypto } from './crypto/default.js'
import { clientFactory, type Client, type ClientOptions } from './client.js'
import { indexedDbStorage } from './storage/indexeddb.js'

/**
 * Creates a client. It connects lazily (on first use, or `connect()`); storage defaults to
 * IndexedDB (database `mt-chat:<relay host>` — pass your own per account if one browser profile
 * signs in as several users).
 * @example
 * ```ts
 * createClient({ url: 'https://chat.example.com', serverKey, token }).secretChat('bob').send('Hello')
 * ```
 */
export const createClient: (options: ClientOptions) => Client = clientFactory({
  crypto: defaultCrypto,
  storage: (o) => indexedDbStorage({ name: `mt-chat:${new URL(o.url).host}` }),
})

export * from './public.js'
