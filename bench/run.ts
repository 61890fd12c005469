/**
 * `npm run bench [section…]` — runs benchmark sections, prints each one's table, and merges the
 * results into bench/results/latest.json under the section's key (other sections' results are
 * kept), with the machine and its load so figures can be read in context.
 *
 * A section is a module exporting `run(): Promise<{ table: string; results: object }>`; add it to
 * SECTIONS. With no argument every section runs.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

interface Section {
  run(): Promise<{ table: string; results: object }>
}

const SECTIONS: Record<string, () => Promise<Section>> = {
  crypto: () => import('./crypto/index.js'),
  relay: () => import('./relay/index.js'),
  sdk: () => import('./sdk/index.js'),
}

const here = dirname(fileURLToPath(import.meta.url))
const OUT = resolve(here, 'results/latest.json')

function readResults(): Record<string, unknown> {
  if (!existsSync(OUT)) return {}
  try {
    return JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2)
  const unknown = asked.filter((s) => !(s in SECTIONS))
  if (unknown.length > 0) {
    console.error(`unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`)
    process.exit(2)
  }
  const names = asked.length > 0 ? asked : Object.keys(SECTIONS)
  for (const name of names) {
    const loadBefore = loadavg()[0]
    const started = performance.now()
    console.log(`\n## ${name}\n`)
    const { table, results } = await (await SECTIONS[name]()).run()
    const seconds = (performance.now() - started) / 1000
    console.log(table)
    const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load1m: [loadBefore, loadavg()[0]] }
    console.log(`\n${name}: ${seconds.toFixed(1)} s on ${machine.cpu} × ${machine.cores}, Node ${machine.node}, load ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}`)
    const all = readResults()
    all[name] = { date: new Date().toISOString(), seconds: Number(seconds.toFixed(1)), machine, ...results }
    mkdirSync(dirname(OUT), { recursive: true })
    const tmp = `${OUT}.${process.pid}.tmp.json`
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`)
    renameSync(tmp, OUT)
  }
}

await main()
