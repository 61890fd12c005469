import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createChatRelay } from '../../../server/gateway/plugin.js'
const relay = await createChatRelay({ port: 0, host: '127.0.0.1', dataDir: mkdtempSync(join(tmpdir(), 'mt-trace-')), nodeEnv: 'test', logLevel: 'warn', jwtSecret: process.env.MT_BENCH_JWT_SECRET, maintenance: false, rateAuth: 1e6, gateway: { requestRate: { perSecond: 1e6, burst: 1e6 }, frameRate: { perSecond: 1e6, burst: 1e6 } } })
const store = relay.store as unknown as { transaction: (fn: (trx: unknown) => Promise<unknown>) => Promise<unknown> }
const orig = store.transaction.bind(store)
const st = { n: 0, acquire: 0, body: 0, commit: 0, awaits: 0 }
store.transaction = async (fn) => {
  const t0 = performance.now(); let t1 = 0, t2 = 0
  const r = await orig(async (trx) => { t1 = performance.now(); const k = trx as { on?: unknown }; const res = await fn(trx); t2 = performance.now(); return res })
  const t3 = performance.now(); st.n++; st.acquire += t1 - t0; st.body += t2 - t1; st.commit += t3 - t2
  return r
}
let q = 0
relay.store.knex.on('query', () => q++)
const h = monitorEventLoopDelay({ resolution: 5 }); h.enable()
setInterval(() => { console.error(`txn ${st.n} acquire ${(st.acquire / st.n).toFixed(1)} body ${(st.body / st.n).toFixed(1)} commit ${(st.commit / st.n).toFixed(1)} ms; queries/txn ${(q / st.n).toFixed(1)}; loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} p99 ${(h.percentile(99) / 1e6).toFixed(1)} max ${(h.max / 1e6).toFixed(1)}`); Object.assign(st, { n: 0, acquire: 0, body: 0, commit: 0 }); q = 0; h.reset() }, 3000).unref()
const { port } = await relay.listen()
process.stdout.write(`READY http://127.0.0.1:${port} ${Buffer.from(relay.serverKey.publicKey).toString('base64')}\n`)
