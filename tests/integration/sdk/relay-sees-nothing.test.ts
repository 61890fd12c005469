// What the relay keeps: after secret messages and a file went through it, neither its database
// files, nor its blob store, nor its logs (at debug level) contain their plaintext.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Message } from '../../../sdk/index.node.js'
import { collect, harness, until, type Harness } from './harness.js'

let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(async () => {
  await h?.close()
})

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

describe('the relay stores and logs no plaintext of secret chats', () => {
  it('has no trace of secret texts or file contents in its database, blobs or logs', async () => {
    const [ua, ub] = await Promise.all([h.relay.register(), h.relay.register()])
    const a = h.client(ua)
    const b = h.client(ub)
    const inbox = collect<Message>(b, 'message')
    await b.connect()
    const secretText = 'TOP-SECRET-PLAINTEXT-7f3a9c'
    const fileMarker = 'FILE-CONTENT-MARKER-c81e55'
    const fileBytes = new TextEncoder().encode(`${fileMarker}\n`.repeat(5000))
    const chat = a.secretChat(ub.id)
    await chat.send(secretText)
    await chat.sendFile(fileBytes, { name: 'secret-plans.txt', mime: 'text/plain' })
    await until(() => inbox.length === 2, 10_000, 'delivered')
    expect(inbox[0].text).toBe(secretText)
    expect(new TextDecoder().decode(await (await inbox[1].file!.blob()).arrayBuffer())).toBe(`${fileMarker}\n`.repeat(5000))
    await inbox[1].chat.send(`reply: ${secretText}`)
    await until(async () => (await chat.history()).length === 3, 10_000, 'reply')
    await new Promise((r) => setTimeout(r, 300)) // let the relay's group commit and acks settle

    const needles = [secretText, fileMarker, 'secret-plans.txt'].map((s) => Buffer.from(s))
    const files = filesUnder(h.relay.dataDir)
    expect(files.some((f) => /\.(db|sqlite)(-wal)?$/.test(f) || f.includes('sqlite'))).toBe(true)
    // Positive control: the scan does see what the relay stores in the clear (a username).
    expect(files.some((f) => readFileSync(f).includes(Buffer.from(ua.username)))).toBe(true)
    for (const f of files) {
      const bytes = readFileSync(f)
      for (const n of needles) expect(bytes.includes(n), `${n.toString()} in ${f}`).toBe(false)
    }
    const logs = h.logs.join('')
    expect(logs.length).toBeGreaterThan(0)
    for (const n of needles) expect(logs.includes(n.toString()), `${n.toString()} in the logs`).toBe(false)
  })
})
