// Builds dist/: the SDK for browsers and Node, and the relay for Node. Types come from tsc
// (npm run build runs both). The SDK keeps its dependencies external so an app's bundler dedupes
// them; dist/browser/ has self-contained, minified files for a <script type="module"> tag.
import typescript from '@rollup/plugin-typescript'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { readFileSync, existsSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'

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

// eventemitter3's ESM entry re-exports its CommonJS file. The self-contained browser bundle inlines
// it, so wrap that one dependency-free CJS file as ESM (instead of pulling in plugin-commonjs).
const cjsAsEsm = (files) => ({
  name: 'cjs-as-esm',
  transform(code, id) {
    if (!files.some((f) => id.endsWith(f))) return null
    return { code: `const module = { exports: {} };\n(function (module, exports) {\n${code}\n})(module, module.exports);\nexport default module.exports;\n`, map: null }
  },
})

// Chunk names carry content hashes: clear the JS output so stale chunks never linger next to new
// ones (dist/types is written afterwards by tsc -p tsconfig.build.json).
for (const dir of ['dist/sdk', 'dist/browser', 'dist/server', 'dist/widget']) rmSync(dir, { recursive: true, force: true })

const configs = []

if (existsSync('sdk/index.ts')) {
  configs.push(
    { input: 'sdk/index.ts', output: { file: 'dist/sdk/index.js', format: 'es', sourcemap: true }, external: isExternal, plugins: [ts()], onwarn },
    {
      input: 'sdk/index.ts',
      output: { file: 'dist/browser/mt-chat.min.js', format: 'es', sourcemap: true },
      plugins: [nodeResolve({ browser: true }), cjsAsEsm(['node_modules/eventemitter3/index.js']), ts(), terser({ format: { comments: false } })],
      onwarn,
    },
  )
}
if (existsSync('sdk/index.node.ts'))
  configs.push({ input: 'sdk/index.node.ts', output: { file: 'dist/sdk/index.node.js', format: 'es', sourcemap: true }, external: isExternal, plugins: [ts()], onwarn })
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
