/**
 * `mt-chat-server` (issue 4): `start` (default) migrates and serves until SIGTERM/SIGINT, then
 * shuts down gracefully; `migrate` runs migrations; `export-audit [--since]` writes the audit log
 * as JSONL to stdout; `--help` lists every option with its env var. Exit codes: 0 ok, 1 runtime
 * failure, 2 bad configuration or usage.
 * @module
 */
import { once } from 'node:events'
import { MtChatError } from '../sdk/errors.js'
import { parseCommandLine, resolveConfig, type RelayConfig } from './config.js'
import { helpText } from './config-options.js'
import { createLogger } from './logger.js'
import { createChatRelay } from './gateway/plugin.js'
import { loadStorageKeys } from './secrets.js'
import { auditJsonLine, AuditLog } from './services/audit.js'
import { systemClock } from './clock.js'
import { Store } from './store/store.js'

// scrypt and sqlite3 share libuv's threadpool; 4 threads let a login burst stall queries.
process.env.UV_THREADPOOL_SIZE ??= '8'

async function openStore(config: RelayConfig): Promise<Store> {
  const { keys } = loadStorageKeys(config.storageKey, config.dataDir)
  return Store.open({ ...config, storageKeys: keys })
}

function parseSince(since: string | undefined): number | undefined {
  if (since === undefined) return undefined
  const ms = /^\d+$/.test(since) ? Number(since) : Date.parse(since)
  if (Number.isNaN(ms)) throw new MtChatError('INVALID_ARGUMENT', `--since expects an ISO date or unix milliseconds, got "${since}"`)
  return ms
}

async function exportAudit(config: RelayConfig, since: number | undefined): Promise<void> {
  const store = await openStore(config)
  try {
    await store.migrate()
    const audit = new AuditLog({ store, clock: systemClock, log: createLogger({ level: 'silent' }) })
    for await (const row of audit.export(since)) if (!process.stdout.write(`${auditJsonLine(row)}\n`)) await once(process.stdout, 'drain')
  } finally {
    await store.close()
  }
}

async function start(cmd: ReturnType<typeof parseCommandLine>): Promise<void> {
  const relay = await createChatRelay(cmd.input)
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      relay.log.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stopping = true
    relay.log.info({ signal }, 'shutting down')
    relay.close().then(
      () => relay.log.flush(() => process.exit(0)),
      (err: unknown) => {
        relay.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  // Handlers go in before the banner: whoever reads it may signal at once.
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  const { url } = await relay.listen()
  const key = Buffer.from(relay.serverKey.publicKey).toString('base64')
  process.stdout.write(`mt-chat relay ${relay.version} listening on ${url}\nserver key (pin as serverKey): ${key}\nstorage: ${relay.store.location}\n`)
}

async function main(argv: string[]): Promise<void> {
  const cmd = parseCommandLine(argv)
  if (cmd.help) {
    process.stdout.write(`${helpText()}\n`)
    return
  }
  if (cmd.command === 'start') return start(cmd)
  const config = resolveConfig(cmd.input)
  if (cmd.command === 'migrate') {
    const store = await openStore(config)
    try {
      const applied = await store.migrate()
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n')
    } finally {
      await store.close()
    }
    return
  }
  await exportAudit(config, parseSince(cmd.since))
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = MtChatError.is(err, 'INVALID_ARGUMENT')
  process.stderr.write(`mt-chat-server: ${usage ? (err as Error).message : (err as Error)?.stack ?? String(err)}\n`)
  process.exit(usage ? 2 : 1)
})
