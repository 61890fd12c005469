/**
 * mt-chat — the Node entry of the SDK: the browser API plus Node defaults — node:crypto where it
 * is faster (`nodeProvider`), file storage under `~/.mt-chat/<relay host>` (mode 0600), and the
 * `ws` package as the WebSocket. Selected by the package's "node" export condition.
 *
 * @example
 * ```ts
 * import { createClient, fileStorage, signIn } from 'mt-chat'
 * const { token } = await signIn({ url, login: 'alice', password })
 * const client = createClient({ url, serverKey, token, storage: fileStorage({ path: './alice' }) })
 * ```
 * @module mt-chat
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { clientCryptoOf } from './crypto/client-crypto.js'
import { nodeProvider } from './crypto/node.js'
import { clientFactory, type Client, type ClientOptions } from './client.js'
import { fileStorage } from './storage/file.js'
import type { WebSocketConstructor } from './transport/websocket.js'

const nodeCreate = clientFactory({
  crypto: () => clientCryptoOf(nodeProvider),
  storage: (o) => fileStorage({ path: join(homedir(), '.mt-chat', new URL(o.url).host.replace(/[^A-Za-z0-9._-]/g, '_')) }),
})

/**
 * Creates a client (Node). Connects lazily; storage defaults to files under
 * `~/.mt-chat/<relay host>` — pass `fileStorage({ path })` per account if one machine runs several.
 * @example
 * ```ts
 * await createClient({ url, serverKey, token, storage: fileStorage({ path: '.mt-chat/alice' }) }).secretChat('bob').send('Hello')
 * ```
 */
export const createClient = (options: ClientOptions): Client =>
  nodeCreate({ ...options, WebSocket: options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor) })

export * from './public.js'
export { fileStorage, type FileStorageOptions } from './storage/file.js'
export { nodeProvider } from './crypto/node.js'
