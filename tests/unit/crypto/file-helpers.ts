/** Helpers of the file-cipher tests: deterministic plaintext, re-chunking, collecting a stream. */

/** `size` bytes of a simple deterministic pattern (different per `seed`). */
export function plaintext(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** `data` cut into pieces of `size` bytes (views, no copies). */
export function pieces(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let off = 0; off < data.length; off += size) out.push(data.subarray(off, off + size))
  return out
}

/** `data` cut at the given offsets (sorted, deduplicated, within 0..length). */
export function cutAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(0, c), data.length)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const c of [...points, data.length]) {
    out.push(data.subarray(prev, c))
    prev = c
  }
  return out
}

/** Everything a stream yields, concatenated (or as the list of chunks). */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array>
export async function collect(source: AsyncIterable<Uint8Array>, concat: false): Promise<Uint8Array[]>
export async function collect(source: AsyncIterable<Uint8Array>, concat = true): Promise<Uint8Array | Uint8Array[]> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  if (!concat) return parts
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const part of parts) {
    out.set(part, off)
    off += part.length
  }
  return out
}

/** Byte equality for large arrays (vitest's deep `toEqual` walks them element by element: slow). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)
}
