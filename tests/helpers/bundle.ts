/**
 * Builds a browser bundle of some SDK modules and measures it, for the size-budget tests: rollup
 * with @rollup/plugin-node-resolve (browser conditions), TypeScript stripped by
 * `ts.transpileModule` (no type-check, no esbuild: fast and the same compiler as the build),
 * minified by terser (what @rollup/plugin-terser runs), gzipped by node:zlib at level 9.
 *
 * Everything the entry exports is kept (the budget covers the whole public surface, not what one
 * app would tree-shake down to). Imports that do not resolve to a file — a Node built-in above
 * all — stay external and are reported in `externals`, so a test can assert there are none.
 *
 * Usage:
 *   const size = await bundleSize({ 'sdk/crypto/index.ts': '*', 'sdk/protocol/index.ts': '*' })
 *   expect(size.gzipBytes).toBeLessThanOrEqual(22 * 1024)
 */
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import { type Plugin, rollup } from 'rollup'
import { minify } from 'terser'
import ts from 'typescript'

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export interface BundleSize {
  /** The minified bundle. */
  code: string
  /** Bytes of the minified bundle. */
  minBytes: number
  /** Bytes of the minified bundle gzipped at level 9. */
  gzipBytes: number
  /** Imports left external (unresolvable, or Node built-ins): should be empty for a browser build. */
  externals: string[]
  /** Repository-relative files that ended up in the bundle. */
  modules: string[]
}

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

/**
 * Bundles the given files (repository-relative paths) for the browser and measures the result.
 * Files that do not exist are skipped, so a budget can name modules still being written.
 */
export async function bundleSize(files: string[], options: { dependencies?: 'bundled' | 'external' } = {}): Promise<BundleSize> {
  const bundleDeps = options.dependencies !== 'external'
  const present = files.filter((f) => existsSync(resolve(ROOT, f)))
  if (present.length === 0) throw new Error(`bundleSize: none of ${files.join(', ')} exists`)
  const externals = new Set<string>()
  const build = await rollup({
    input: ENTRY,
    plugins: [entryPlugin(present), typescriptPlugin(), nodeResolve({ browser: true, preferBuiltins: false })],
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
    const { output } = await build.generate({ format: 'es' })
    const chunk = output[0]
    for (const id of chunk.imports) if (bundleDeps || id.startsWith('node:')) externals.add(id)
    const code = (await minify(chunk.code, { module: true, ecma: 2020, format: { comments: false } })).code ?? ''
    return {
      code,
      minBytes: Buffer.byteLength(code),
      gzipBytes: gzipSync(code, { level: 9 }).length,
      externals: [...externals].sort(),
      modules: Object.keys(chunk.modules)
        .filter((m) => !m.startsWith('\0'))
        .map((m) => m.replace(ROOT + '/', ''))
        .sort(),
    }
  } finally {
    await build.close()
  }
}
