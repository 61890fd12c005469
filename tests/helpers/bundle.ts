/**
 * Builds SDK modules for the browser the way `rollup.config.mjs` builds `dist/browser/` — rollup,
 * @rollup/plugin-node-resolve with browser conditions, the same plugins (`rollup.plugins.mjs`:
 * eventemitter3's CommonJS file wrapped as ESM, noble's GCM fallback on its own copy of the AES
 * module), code-splitting at every `import()`, the entry allowed to export what chunks import from
 * it (`preserveEntrySignatures: 'allow-extension'`: start-up is one file) — and measures the
 * result, for the size-budget tests and the pages of the end-to-end tests. TypeScript is stripped by `ts.transpileModule` (no
 * type-check: fast, and the same compiler as the build); code is minified by terser (what
 * @rollup/plugin-terser runs) and gzipped by node:zlib at level 9, each file on its own, as a
 * server sends them.
 *
 * Everything the listed files export is kept (a budget covers the whole public surface, not what
 * one app would tree-shake down to). Imports that do not resolve to a file — a Node built-in above
 * all — stay external and are reported in `externals`, so a test can assert there are none.
 *
 * Usage:
 *   const size = await bundleSize(['sdk/index.ts'])
 *   expect(size.initial.gzipBytes).toBeLessThanOrEqual(30 * 1024)
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import { type OutputChunk, type Plugin, rollup } from 'rollup'
import { minify } from 'terser'
import ts from 'typescript'
import { browserPlugins } from '../../rollup.plugins.mjs'

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Bytes of some code, minified and gzipped. */
export interface Size {
  minBytes: number
  gzipBytes: number
}

/** One output file of a browser build. */
export interface BuiltChunk extends Size {
  /** `mt-chat.min.js` for the entry, `chunks/<name>-<hash>.js` for the others. */
  fileName: string
  /** Minified code. */
  code: string
  /** Loaded with the entry (the entry and what it imports statically), not on first use. */
  initial: boolean
  /** Repository-relative modules in this file. */
  modules: string[]
}

/** A measured browser build. */
export interface BundleSize {
  /** What a page loads at start-up: the entry and every chunk it imports statically. */
  initial: Size
  /** Every file, the lazily loaded chunks included. */
  total: Size
  /** Every output file. */
  chunks: BuiltChunk[]
  /** Imports left external (unresolvable, or Node built-ins): should be empty for a browser build. */
  externals: string[]
  /** Repository-relative modules in the build, sorted. */
  modules: string[]
  /** Repository-relative modules loaded at start-up, sorted. */
  initialModules: string[]
}

/** The name the entry gets, as in `dist/browser/`. */
export const ENTRY_FILE = 'mt-chat.min.js'
const ENTRY = '\0bundle-entry'

/** The entry module: `export * from` each listed file (paths relative to the repository root). */
function entryPlugin(files: string[]): Plugin {
  return {
    name: 'bundle-entry',
    resolveId: (id) => (id === ENTRY ? ENTRY : null),
    load: (id) => (id === ENTRY ? files.map((f) => `export * from ${JSON.stringify(resolve(ROOT, f))}`).join('\n') : null),
  }
}

/** `./x.js` imported from TypeScript means `./x.ts` (NodeNext style); strip types with tsc. */
function typescriptPlugin(): Plugin {
  return {
    name: 'transpile-ts',
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.') || !source.endsWith('.js') || !importer.endsWith('.ts')) return null
      const candidate = resolve(dirname(importer), source.slice(0, -3) + '.ts')
      return existsSync(candidate) ? candidate : null
    },
    transform(code, id) {
      if (!id.endsWith('.ts')) return null
      const out = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false },
      })
      return { code: out.outputText, map: null }
    },
  }
}

const relative = (id: string) => id.replace(ROOT + '/', '')

/**
 * Bundles the given files (repository-relative paths) for the browser, split at every `import()`
 * as `dist/browser/` is, minified. Files that do not exist are skipped, so a budget can name modules
 * still being written. `dependencies: 'external'` leaves npm packages out (mt-chat's own code).
 */
export async function buildForBrowser(files: string[], options: { dependencies?: 'bundled' | 'external' } = {}): Promise<{ chunks: BuiltChunk[]; externals: string[] }> {
  const bundleDeps = options.dependencies !== 'external'
  const present = files.filter((f) => existsSync(resolve(ROOT, f)))
  if (present.length === 0) throw new Error(`buildForBrowser: none of ${files.join(', ')} exists`)
  const externals = new Set<string>()
  const build = await rollup({
    input: ENTRY,
    preserveEntrySignatures: 'allow-extension',
    plugins: [entryPlugin(present), ...browserPlugins(), typescriptPlugin(), nodeResolve({ browser: true, preferBuiltins: false })],
    external: (id) => {
      const builtin = id.startsWith('node:')
      if (builtin) externals.add(id)
      return builtin || (!bundleDeps && !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'))
    },
    onwarn(warning, warn) {
      if (warning.code === 'UNRESOLVED_IMPORT' && warning.exporter) externals.add(warning.exporter)
      else if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning)
    },
  })
  try {
    const { output } = await build.generate({ format: 'es', entryFileNames: ENTRY_FILE, chunkFileNames: 'chunks/[name]-[hash].js' })
    const chunks = output.filter((o): o is OutputChunk => o.type === 'chunk')
    const byName = new Map(chunks.map((c) => [c.fileName, c]))
    // The entry and, transitively, its static imports load at start-up.
    const initial = new Set<string>()
    const visit = (name: string) => {
      if (initial.has(name) || !byName.has(name)) return
      initial.add(name)
      for (const i of byName.get(name)!.imports) visit(i)
    }
    visit(ENTRY_FILE)
    const built: BuiltChunk[] = []
    for (const c of chunks) {
      for (const id of c.imports) if (!byName.has(id) && (bundleDeps || id.startsWith('node:'))) externals.add(id)
      const code = (await minify(c.code, { module: true, ecma: 2020, format: { comments: false } })).code ?? ''
      built.push({
        fileName: c.fileName,
        code,
        minBytes: Buffer.byteLength(code),
        gzipBytes: gzipSync(code, { level: 9 }).length,
        initial: initial.has(c.fileName),
        modules: Object.keys(c.modules).filter((m) => !m.startsWith('\0')).map(relative).sort(),
      })
    }
    return { chunks: built, externals: [...externals].sort() }
  } finally {
    await build.close()
  }
}

const sum = (chunks: BuiltChunk[]): Size => ({
  minBytes: chunks.reduce((n, c) => n + c.minBytes, 0),
  gzipBytes: chunks.reduce((n, c) => n + c.gzipBytes, 0),
})

/** {@link buildForBrowser}, measured: at start-up and in total. */
export async function bundleSize(files: string[], options: { dependencies?: 'bundled' | 'external' } = {}): Promise<BundleSize> {
  const { chunks, externals } = await buildForBrowser(files, options)
  const initial = chunks.filter((c) => c.initial)
  return {
    initial: sum(initial),
    total: sum(chunks),
    chunks,
    externals,
    modules: [...new Set(chunks.flatMap((c) => c.modules))].sort(),
    initialModules: [...new Set(initial.flatMap((c) => c.modules))].sort(),
  }
}

/** Writes a browser build of `entry` into `dir` (`mt-chat.min.js` and `chunks/`), for a page to load. */
export async function writeBrowserBuild(entry: string, dir: string): Promise<void> {
  const { chunks } = await buildForBrowser([entry])
  for (const c of chunks) {
    mkdirSync(dirname(join(dir, c.fileName)), { recursive: true })
    writeFileSync(join(dir, c.fileName), c.code)
  }
}
