/**
 * The file pipeline as one chunk (docs/PROTOCOL.md §5): upload (file cipher, thumbnails, resumable
 * chunks) and download (streamed decryption and integrity checks). Loaded through `./index.ts` on
 * the first file sent or opened, never at start-up.
 * @module
 */
export { uploadFile, type UploadOptions } from './upload.js'
export { downloadStream } from './download.js'
