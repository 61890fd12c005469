// The terminal example (examples/cli) run as its README says, against the real relay: two
// processes sign up, chat in a secret and a cloud chat, verify, and send a file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueName } from '../../helpers/relay.js'
import { harness, until, type Harness } from './harness.js'

let h: Harness
let dir: string
const procs: ChildProcessWithoutNullStreams[] = []
beforeAll(async () => {
  h = await harness()
  dir = mkdtempSync(join(tmpdir(), 'mt-cli-'))
})
afterAll(async () => {
  for (const p of procs) p.kill()
  await h?.close()
  rmSync(dir, { recursive: true, force: true })
})

function cli(user: string) {
  const p = spawn(
    process.execPath,
    ['--import', 'tsx', 'examples/cli/cli.ts', '--url', h.relay.url, '--server-key', h.serverKey, '--signup', '--password', 'correct horse battery', '--data', join(dir, user), user],
    { stdio: 'pipe' },
  )
  procs.push(p)
  let out = ''
  p.stdout.on('data', (d: Buffer) => (out += d.toString()))
  p.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return {
    send: (line: string) => p.stdin.write(`${line}\n`),
    get out() {
      return out
    },
    waitFor: (re: RegExp, what: string) => until(() => re.test(out), 20_000, `${user}: ${what}\n${out}`),
  }
}

describe('examples/cli', () => {
  it('two terminals chat secretly and in the cloud, verify and send a file', async () => {
    const alice = uniqueName('al')
    const bob = uniqueName('bo')
    const a = cli(alice)
    const b = cli(bob)
    await a.waitFor(/signed in as/, 'signed in')
    await b.waitFor(/signed in as/, 'signed in')
    a.send(`/secret ${bob}`)
    a.send('hello from the terminal')
    await b.waitFor(/\[secret 🔒\] \d+: hello from the terminal/, 'secret message')
    b.send(`/cloud ${alice}`)
    b.send('cloud hi')
    await a.waitFor(/\[cloud\] \d+: cloud hi/, 'cloud message')
    a.send(`/verify ${bob}`)
    b.send(`/verify ${alice}`)
    await a.waitFor(/safety number[\s\S]*\n {2}(\d{5} ){11}\d{5}\n/, 'safety number')
    await b.waitFor(/safety number[\s\S]*\n {2}(\d{5} ){11}\d{5}\n/, 'safety number')
    const number = (s: string) => /\n {2}((\d{5} ){11}\d{5})\n/.exec(s)![1]
    expect(number(a.out)).toBe(number(b.out))
    const file = join(dir, 'notes.txt')
    writeFileSync(file, 'file body')
    a.send(`/file ${bob} ${file}`)
    await b.waitFor(/📎 notes\.txt \(9 B\)/, 'file message')
    a.send('/quit')
    b.send('/quit')
  }, 60_000)
})
