/**
 * The body of the long-polling transport (docs/PROTOCOL.md §2.8), both ways:
 * `u32 length ‖ frame`, repeated. One codec for the SDK's poll transport, the relay and the tests.
 * @module
 */
import { MtChatError } from '../errors.js'
import { readU32LE, writeU32LE } from '../util/bytes.js'

/** Joins frames into a poll body. */
export function encodePollBody(frames: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0))
  let off = 0
  for (const f of frames) {
    writeU32LE(out, off, f.length)
    out.set(f, off + 4)
    off += 4 + f.length
  }
  return out
}

/**
 * Splits a poll body into frames (views into `body`). SCHEMA_INVALID when the lengths do not add
 * up, a frame is empty, or one is longer than `maxFrame`.
 */
export function decodePollBody(body: Uint8Array, maxFrame = Number.MAX_SAFE_INTEGER): Uint8Array[] {
  const frames: Uint8Array[] = []
  for (let off = 0; off < body.length; ) {
    const n = off + 4 <= body.length ? readU32LE(body, off) : -1
    if (n <= 0 || n > maxFrame || off + 4 + n > body.length)
      throw new MtChatError('SCHEMA_INVALID', 'poll body: frame lengths do not add up', { op: 'poll.decode' })
    frames.push(body.subarray(off + 4, off + 4 + n))
    off += 4 + n
  }
  return frames
}
