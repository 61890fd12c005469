/**
 * Image thumbnails made on the sender's device (DESIGN.md "Files"): in browsers with
 * `createImageBitmap` and `OffscreenCanvas`, a JPEG of at most 160 px and 16 KiB travels inside
 * the (encrypted) message. Elsewhere (Node) there is no thumbnail; that is not an error.
 * @module
 */

/** Largest thumbnail the protocol carries (docs/PROTOCOL.md §3 FileRef). */
export const MAX_THUMBNAIL_BYTES = 16 * 1024

interface Canvas {
  getContext(kind: '2d'): { drawImage(img: unknown, x: number, y: number, w: number, h: number): void } | null
  convertToBlob(o: { type: string; quality: number }): Promise<Blob>
}

/** A small JPEG preview of an image Blob, or undefined when the platform cannot make one. */
export async function makeThumbnail(file: Blob, maxSide = 160): Promise<Uint8Array | undefined> {
  const g = globalThis as {
    createImageBitmap?: (b: Blob) => Promise<{ width: number; height: number; close(): void }>
    OffscreenCanvas?: new (w: number, h: number) => Canvas
  }
  if (!file.type.startsWith('image/') || !g.createImageBitmap || !g.OffscreenCanvas) return undefined
  try {
    const bitmap = await g.createImageBitmap(file)
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height))
    const w = Math.max(1, Math.round(bitmap.width * scale))
    const h = Math.max(1, Math.round(bitmap.height * scale))
    const canvas = new g.OffscreenCanvas(w, h)
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, w, h)
    bitmap.close()
    for (const quality of [0.7, 0.5, 0.3]) {
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality })
      if (blob.size <= MAX_THUMBNAIL_BYTES) return new Uint8Array(await blob.arrayBuffer())
    }
    return undefined
  } catch {
    return undefined // an image the browser cannot decode just has no preview
  }
}
