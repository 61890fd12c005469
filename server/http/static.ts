/**
 * The page at `/`: files from the demo directory (`MT_STATIC_DIR`, default `examples/demo/` of the
 * package when it exists), otherwise a built-in page saying the relay is up, with its server key
 * and where to go next; that page is always at `/relay` too. The SDK's browser build is served
 * at `/mt-chat.min.js` (and its source map) and `/chunks/<name>-<hash>.js` (the parts it loads on
 * first use) so demo pages can load it: from the demo directory when it ships its own build, else
 * from the package's `dist/browser/`. Chunk names are content hashes, so they are cached for good.
 * GET/HEAD only, no directory listings, no path escapes (SDK paths must match one pattern).
 * @module
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Middleware } from 'koa'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
}

/** The directory holding this package's package.json (works from source and from dist/). */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mt-chat') return dir
      } catch {
        // not ours
      }
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

/** The demo directory to serve, if any. */
export function resolveStaticDir(configured?: string): string | undefined {
  if (configured) return resolve(configured)
  const root = packageRoot()
  const demo = root && join(root, 'examples', 'demo')
  return demo && existsSync(join(demo, 'index.html')) ? demo : undefined
}

/** `/mt-chat.min.js`, its map, and the build's chunks (rollup's `[name]-[hash].js`, no dots or slashes). */
const SDK_PATH = /^\/(mt-chat\.min\.js(?:\.map)?|chunks\/[A-Za-z0-9_-]+\.js(?:\.map)?)$/

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The built-in page. */
export function builtinPage(o: { serverKey: string; version: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mt-chat relay</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1d2433}
code,pre{font:14px ui-monospace,monospace;background:#f1f3f7;border-radius:4px}code{padding:.1em .3em}pre{padding:1em;overflow:auto}
.ok{color:#14804a;font-weight:600}</style></head>
<body><h1>mt-chat relay</h1>
<p class="ok">✔ The relay is running (v${escape(o.version)}).</p>
<p>Its server key — pin it in clients as <code>serverKey</code>:</p>
<pre id="server-key">${escape(o.serverKey)}</pre>
<h2>Next</h2>
<ul>
<li>Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>, metrics: <a href="/metrics">/metrics</a>, key: <a href="/v1/server-key">/v1/server-key</a></li>
<li>Create an account: <code>POST /v1/auth/register {"username","password"}</code> — the HTTP API is in <code>docs/PROTOCOL.md</code> §6.</li>
<li>Connect a client:</li>
</ul>
<pre>import { createClient } from 'mt-chat'
const client = createClient({ url: location.origin, serverKey: '${escape(o.serverKey)}', token })
await client.secretChat('bob').send('Hello')</pre>
<p>Put a page in <code>examples/demo/</code> (or set <code>MT_STATIC_DIR</code>) to serve it here instead.</p>
</body></html>`
}

/** Serves `/` and the demo directory. */
export function staticFiles(o: { dir?: string; serverKey: string; version: string }): Middleware {
  const root = o.dir
  const page = builtinPage(o)
  const pkg = packageRoot()
  const sdkDirs = [root, pkg && join(pkg, 'dist', 'browser')].filter((d): d is string => !!d)
  /** The SDK build file a path names, if any: a fixed set of names, so nothing can escape the dirs. */
  const sdkFile = (path: string): { file: string; size: number; immutable: boolean } | undefined => {
    const m = SDK_PATH.exec(path)
    if (!m) return undefined
    for (const dir of sdkDirs) {
      const file = join(dir, m[1])
      const st = statSync(file, { throwIfNoEntry: false })
      if (st?.isFile()) return { file, size: st.size, immutable: m[1].startsWith('chunks/') }
    }
    return undefined
  }
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    if (ctx.path === '/relay' || (!root && ctx.path === '/')) {
      ctx.type = 'text/html; charset=utf-8'
      ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      ctx.body = page
      return
    }
    const sdk = sdkFile(ctx.path)
    if (sdk) return sendFile(ctx, sdk.file, sdk.size, sdk.immutable)
    if (!root) return next()
    let rel: string
    try {
      rel = decodeURIComponent(ctx.path)
    } catch {
      return next()
    }
    if (rel.includes('\0')) return next()
    const file = resolve(root, `.${rel.endsWith('/') ? `${rel}index.html` : rel}`)
    if (file !== root && !file.startsWith(root + sep)) return next()
    let st
    try {
      st = statSync(file)
    } catch {
      return next()
    }
    if (!st.isFile()) return next()
    sendFile(ctx, file, st.size)
  }
}

function sendFile(ctx: Parameters<Middleware>[0], file: string, size = statSync(file).size, immutable = false): void {
  ctx.type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
  ctx.length = size
  ctx.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
  ctx.body = createReadStream(file)
}
