/**
 * The assertions of the conformance suites that also run in a browser page (storage, key
 * operations). They are plain functions (no test-runner globals) so the very same suite runs under
 * vitest in Node and bundled inside Chromium.
 */
export class CheckError extends Error {
  override name = 'CheckError'
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})[${Array.from(v.slice(0, 8)).join(',')}${v.length > 8 ? ',…' : ''}]`
  try {
    return JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? show(x) : x === undefined ? '<undefined>' : x))
  } catch {
    return String(v)
  }
}

/** Structural equality: JSON data and Uint8Array (by content); undefined object fields are ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
    return true
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false
    return a.every((x, i) => deepEqual(x, b[i]))
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort()
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort()
    if (!deepEqual(ka, kb)) return false
    return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return false
}

export function equal(actual: unknown, expected: unknown, what: string): void {
  if (!deepEqual(actual, expected)) throw new CheckError(`${what}: expected ${show(expected)}, got ${show(actual)}`)
}

export function ok(cond: unknown, what: string): void {
  if (!cond) throw new CheckError(`${what}: expected a truthy value, got ${show(cond)}`)
}

/** Asserts the promise rejects with an error whose `code` is `code`. */
export async function rejects(p: Promise<unknown>, code: string, what: string): Promise<void> {
  let settled: { ok: true; value: unknown } | { ok: false; err: unknown }
  try {
    settled = { ok: true, value: await p }
  } catch (err) {
    settled = { ok: false, err }
  }
  if (settled.ok) throw new CheckError(`${what}: expected a rejection with ${code}, but it resolved to ${show(settled.value)}`)
  const got = (settled.err as { code?: unknown })?.code
  if (got !== code) throw new CheckError(`${what}: expected code ${code}, got ${String(got)} (${String(settled.err)})`)
}
