// Builds dist/: the SDK for browsers and Node, and the relay for Node. Types come from tsc
// (npm run build runs both). The SDK keeps its dependencies external so an app's bundler dedupes
// them; dist/browser/ is self-contained and minified for a <script type="module"> tag: an entry
// and the chunks it loads on first use.
import typescript from '@rollup/plugin-typescript'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { readFileSync, existsSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { browserPlugins } from './rollup.plugins.mjs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const deps = Object.keys(pkg.dependencies ?? {})
const isExternal = (id) =>
  id.startsWith('node:') ||
  builtinModules.includes(id) ||
  deps.some((d) => id === d || id.startsWith(`${d}/`))

const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    noEmit: false,
    declaration: false,
    include: ['sdk/**/*.ts', 'server/**/*.ts', 'widget/**/*.ts'],
    exclude: ['tests/**', 'bench/**', 'examples/**'],
    outputToFilesystem: false,
  })

const onwarn = (warning, warn) => {
  if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => id.includes('node_modules'))) return
  warn(warning)
}

// Chunk names carry content hashes: clear the JS output so stale chunks never linger next to new
// ones (dist/types is written afterwards by tsc -p tsconfig.build.json).
for (const dir of ['dist/sdk', 'dist/browser', 'dist/server', 'dist/widget']) rmSync(dir, { recursive: true, force: true })

const configs = []

// The SDK for npm: its entries share chunks, so `mt-chat/errors` and `mt-chat` hold one MtChatError
// class; the parts loaded on first use (files, long-polling, verification, noble's GCM) are chunks
// an app's bundler splits the same way.
const sdkInputs = Object.fromEntries(
  [
    ['index', 'sdk/index.ts'],
    ['index.node', 'sdk/index.node.ts'],
    ['errors', 'sdk/index.errors.ts'],
  ].filter(([, file]) => existsSync(file)),
)
if (Object.keys(sdkInputs).length > 0)
  configs.push({
    input: sdkInputs,
    output: { dir: 'dist/sdk', format: 'es', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    external: isExternal,
    plugins: [ts()],
    onwarn,
  })

// The browser build: `mt-chat.min.js` is what a page loads at start-up; what most pages never need
// then is in `chunks/` beside it (content-hashed names), fetched by import() relative to it. The
// relay serves both (server/http/static.ts). Load the entry by one URL (no query string): chunks
// import it back as `../mt-chat.min.js` (preserveEntrySignatures 'allow-extension': the entry may
// export what the chunks need, so start-up is one file, not the entry plus a shared chunk).
if (existsSync('sdk/index.ts'))
  configs.push({
    input: 'sdk/index.ts',
    preserveEntrySignatures: 'allow-extension',
    output: { dir: 'dist/browser', format: 'es', sourcemap: true, entryFileNames: 'mt-chat.min.js', chunkFileNames: 'chunks/[name]-[hash].js' },
    plugins: [...browserPlugins(), nodeResolve({ browser: true }), ts(), terser({ format: { comments: false } })],
    onwarn,
  })
if (existsSync('server/index.ts'))
  configs.push({
    input: { index: 'server/index.ts', cli: 'server/cli.ts', browser: 'server/browser.ts' },
    output: {
      dir: 'dist/server',
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      // bin/mt-chat-server must be directly executable.
      banner: (chunk) => (chunk.isEntry && chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
    external: isExternal,
    plugins: [ts()],
    onwarn,
  })

export default configs
