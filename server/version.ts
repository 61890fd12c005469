/**
 * The package version, read once from package.json (works from source and from dist/).
 * @module
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from './http/static.js'

function read(): string {
  const root = packageRoot()
  if (!root) return '0.0.0'
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0'
}

/** The mt-chat version of this relay. */
export const RELAY_VERSION = read()
