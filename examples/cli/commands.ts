/**
 * The CLI's commands: one function per line the user types. Plain text goes to the current chat;
 * `/secret bob` and `/cloud bob` switch chats; `/verify`, `/file`, `/history`, `/rekey`, `/quit`.
 */
import { createReadStream, statSync } from 'node:fs'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import type { Chat, Client, Message, SecretChat } from '../../sdk/index.node.js'

export interface Ui {
  print(line: string): void
}

/** How a message shows in the terminal. */
export function show(m: Message, me: number): string {
  const who = m.out ? 'me' : m.chat.peer === m.peer ? String(m.chat.peer) : `user ${m.from}`
  const body = m.text ?? (m.file ? `📎 ${m.file.name} (${m.file.size} B)${m.caption ? ` ${m.caption}` : ''}` : '')
  const ticks = m.out ? { sending: ' …', sent: ' ✔', delivered: ' ✔✔', read: ' ✅', failed: ' ✖' }[m.status] : ''
  void me
  return `[${m.kind}${m.kind === 'secret' ? ' 🔒' : ''}] ${who}: ${body}${ticks}`
}

export const HELP = `commands:
  /secret <user>          switch to the secret chat with <user> (end-to-end encrypted)
  /cloud <user>           switch to the cloud chat with <user> (stored by the relay)
  /verify [user]          show the safety number and emoji of the secret chat
  /file <user> <path>     send a file in the secret chat with <user>
  /history                show the current chat's last messages
  /rekey                  switch the current secret chat to a fresh key
  /quit                   leave
  anything else           is sent to the current chat`

/** Runs one input line. Returns false on /quit. */
export async function run(line: string, client: Client, state: { chat?: Chat; me: number }, ui: Ui): Promise<boolean> {
  const [cmd, ...args] = line.trim().split(/\s+/)
  const need = (n: number, usage: string) => {
    if (args.length < n) throw new Error(`usage: ${usage}`)
  }
  switch (cmd) {
    case '':
      return true
    case '/quit':
    case '/exit':
      return false
    case '/help':
      ui.print(HELP)
      return true
    case '/secret':
      need(1, '/secret <user>')
      state.chat = client.secretChat(args[0])
      ui.print(`→ secret chat with ${args[0]} 🔒`)
      return true
    case '/cloud':
      need(1, '/cloud <user>')
      state.chat = client.cloudChat(args[0])
      ui.print(`→ cloud chat with ${args[0]}`)
      return true
    case '/verify': {
      const chat = args[0] ? client.secretChat(args[0]) : (state.chat as SecretChat | undefined)
      if (!chat || chat.kind !== 'secret') throw new Error('usage: /verify <user> (or switch to a secret chat first)')
      const v = await chat.verify()
      ui.print(`safety number with ${chat.peer}:\n  ${v.safetyNumber}\n  ${v.emoji}\ncompare them with ${chat.peer} over another channel`)
      return true
    }
    case '/file': {
      need(2, '/file <user> <path>')
      const path = args.slice(1).join(' ')
      const size = statSync(path).size
      const stream = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>
      let last = 0
      const m = await client.secretChat(args[0]).sendFile(stream, {
        name: basename(path),
        size,
        onProgress: (p) => {
          const pct = Math.floor((100 * p.loaded) / p.total)
          if (pct >= last + 25) ui.print(`  upload ${(last = pct)}%`)
        },
      })
      ui.print(show(m, state.me))
      return true
    }
    case '/history': {
      if (!state.chat) throw new Error('no chat yet: /secret <user> or /cloud <user>')
      for (const m of await state.chat.history({ limit: 20 })) ui.print(show(m, state.me))
      return true
    }
    case '/rekey': {
      if (state.chat?.kind !== 'secret') throw new Error('switch to a secret chat first')
      await (state.chat as SecretChat).rekey()
      ui.print('re-keying…')
      return true
    }
    default:
      if (cmd.startsWith('/')) throw new Error(`unknown command ${cmd} (try /help)`)
      if (!state.chat) throw new Error('no chat yet: /secret <user> or /cloud <user>')
      ui.print(show(await state.chat.send(line), state.me))
      return true
  }
}
