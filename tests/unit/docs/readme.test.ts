/**
 * The README is part of the product: its opening sample must compile against the SDK's public
 * entry (what `import 'mt-chat'` gives a browser app), and its error table must list exactly the
 * codes of sdk/errors.ts with their meanings and HTTP statuses.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, HTTP_STATUS, type ErrorCode } from '../../../sdk/errors.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')

/** Compiles `source` as a module importing 'mt-chat' (mapped to sdk/index.ts); returns the diagnostics. */
function typeCheck(source: string): string[] {
  const dir = mkdtempSync(join(ROOT, 'tests', '.readme-'))
  try {
    const file = join(dir, 'sample.ts')
    writeFileSync(file, source)
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      baseUrl: ROOT,
      paths: { 'mt-chat': ['sdk/index.ts'] },
    })
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The README's "Errors" table rows: code → { meaning, status }. */
function errorTable(): Map<string, { meaning: string; status: string }> {
  const section = README.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? ''
  const rows = new Map<string, { meaning: string; status: string }>()
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \| (.*) \| (\d{3}|–) \|$/.exec(line)
    if (m) rows.set(m[1], { meaning: m[2], status: m[3] })
  }
  return rows
}

/** The row the README must have for a code (what a failing test prints to paste in). */
export const expectedRow = (code: ErrorCode) => `| \`${code}\` | ${ERROR_CODES[code].replace(/\|/g, '\\|')} | ${HTTP_STATUS[code] ?? '–'} |`

describe('README', () => {
  it('opens with an install line and a sample under ten lines that type-checks against the SDK', () => {
    const sample = /```ts\n([\s\S]*?)```/.exec(README)?.[1]
    expect(sample).toBeDefined()
    expect(README.indexOf('npm install mt-chat')).toBeLessThan(README.indexOf('```ts'))
    expect(sample!.trim().split('\n').length).toBeLessThan(10)
    expect(typeCheck(`${sample}\nexport {}\n`)).toEqual([])
  })

  it('the type check can fail: a wrong call in the sample is reported', () => {
    const diagnostics = typeCheck(`import { createClient } from 'mt-chat'\ncreateClient({ url: 1 }).secretChat('bob')\nexport {}\n`)
    expect(diagnostics.length).toBeGreaterThan(0)
  })

  it('shows the two commands of a fresh machine', () => {
    expect(README).toContain('npm install && npm start')
    expect(README).toMatch(/^npm test\b/m)
  })

  it('lists every error code with its meaning and HTTP status, and no other', () => {
    const table = errorTable()
    const codes = Object.keys(ERROR_CODES) as ErrorCode[]
    const missingOrWrong = codes.filter((c) => {
      const row = table.get(c)
      return !row || row.meaning !== ERROR_CODES[c].replace(/\|/g, '\\|') || row.status !== String(HTTP_STATUS[c] ?? '–')
    })
    expect(missingOrWrong.map(expectedRow)).toEqual([])
    expect([...table.keys()].filter((c) => !(c in ERROR_CODES))).toEqual([])
  })
})
