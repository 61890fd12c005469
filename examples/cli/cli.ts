/**
 * mt-chat in a terminal, on the SDK only (see README.md):
 *
 *   npx tsx examples/cli/cli.ts --url http://localhost:8080 --signup alice
 *   > /secret bob
 *   > Hello
 *
 * Signs up or in with a password (asked, or MT_PASSWORD), keeps the device's keys, chats and
 * outbox in a directory of its own (default ~/.mt-chat-cli/<user>), and prints incoming messages
 * as they arrive.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { createClient, fetchServerKey, fileStorage, MtChatError, signIn, signUp, type Chat } from '../../sdk/index.node.js'
import { HELP, run, show } from './commands.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.MT_URL ?? 'http://localhost:8080' },
    'server-key': { type: 'string', default: process.env.MT_SERVER_KEY },
    signup: { type: 'boolean', default: false },
    password: { type: 'string', default: process.env.MT_PASSWORD },
    data: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

const user = positionals[0]
if (values.help || !user) {
  console.log(`usage: cli.ts [--url URL] [--server-key KEY] [--signup] [--password PW] [--data DIR] <username>\n\n${HELP}`)
  process.exit(user ? 0 : 2)
}

const print = (line: string) => process.stdout.write(`${line}\n`)
const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY })
const url = values.url!

const password = values.password ?? (await rl.question(`password for ${user}: `))
const session = values.signup ? await signUp({ url, username: user, password }) : await signIn({ url, login: user, password })
let serverKey = values['server-key']
if (!serverKey) {
  serverKey = await fetchServerKey({ url })
  print(`(pinning the relay key fetched from ${url}: ${serverKey} — pass --server-key to pin it yourself)`)
}

const client = createClient({
  url,
  serverKey,
  token: session.token,
  storage: fileStorage({ path: values.data ?? join(homedir(), '.mt-chat-cli', user) }),
})
const state: { chat?: Chat; me: number } = { me: session.user.id }
client.on('connection', (s) => print(`(${s})`))
client.on('error', (e) => print(`! ${e.code}: ${e.message}`))
client.on('message', (m) => print(show(m, state.me)))
client.on('chat', (c) => print(`(${c.kind} chat started by ${c.peer})`))
client.on('identityChanged', (e) => print(`! the identity key of user ${e.peer} (device ${e.deviceId}) changed: /verify them again`))
await client.connect()
print(`signed in as ${session.user.username ?? user} (id ${session.user.id}). /help for commands`)

rl.on('close', () => void client.close().then(() => process.exit(0)))
for await (const line of rl) {
  try {
    if (!(await run(line, client, state, { print }))) break
  } catch (err) {
    print(`! ${MtChatError.is(err) ? `${err.code}: ${err.message}` : (err as Error).message}`)
  }
}
await client.close()
process.exit(0)
