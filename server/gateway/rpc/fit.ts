/**
 * Keeps list results inside one frame (docs/PROTOCOL.md §2.3: 1 MiB by default). History pages,
 * search hits and getDifference pages can hold up to 100–500 items of up to ~40 KB each, so a
 * result is cut where its estimated size would pass the budget; the caller pages on (`next_before`,
 * `more`).
 * @module
 */
import type { CloudMessageJson, Update } from '../../services/update-types.js'
import { estimateSize } from '../pushes.js'

/** Bytes kept free for the frame and `rpc_result` envelope. */
export const RESULT_OVERHEAD = 4096

/** How many of `items` fit in `budget` bytes (at least one, so paging always advances). */
export function fitting<T>(items: readonly T[], budget: number, size: (item: T) => number): number {
  let total = 0
  for (let i = 0; i < items.length; i++) {
    total += size(items[i])
    if (total > budget && i > 0) return i
  }
  return items.length
}

/** Estimated JSON size of a cloud message. */
export function messageSize(message: CloudMessageJson): number {
  return estimateSize({ _: 'update.message', pts: 0, message })
}

/** Estimated JSON size of an update. */
export function updateSize(u: Update): number {
  return estimateSize(u)
}
