/**
 * The numbers and the stored mark the key manager (`device.ts`) and its on-demand part
 * (`device-ops.ts`) share.
 * @module
 */

/** One-time prekeys kept published. */
export const PREKEY_TARGET = 100
/** The signed prekey is replaced after this long (ms). */
export const SIGNED_PREKEY_MAX_AGE = 7 * 24 * 3600 * 1000

/** `meta/published`: what the relay was last given for this device. */
export interface Published {
  deviceId: string
  signedPrekeyId: number
  /** When that signed prekey was made (ms); absent in marks written before it was recorded. */
  signedPrekeyAt?: number
}
