/**
 * Every error mt-chat raises, in one place.
 *
 * One base class, {@link MtChatError}, with a stable string `code` from {@link ERROR_CODES}. The
 * same codes travel over HTTP (`{ "error": { "code", "message" } }`) and in RPC errors, so a client
 * rebuilds the same class from a relay answer. The README's error table is checked against this
 * file by a test, so a code without a line of meaning here does not exist.
 *
 * Layer-1 frame rejections also carry the numeric `bad_msg_notification` code of docs/PROTOCOL.md
 * (16, 17, 18, 20, 32, 33, 34, 35, 48) in {@link BAD_MSG_CODES}.
 *
 * @module
 */

/**
 * Every error code. Stable: never rename, only add — here and, with its one line of meaning, in
 * {@link ERROR_CODES} (tsc refuses the file until both lists agree). The runtime needs only this
 * list; the meanings stay out of the browser bundle unless something imports them.
 */
const CODES = [
  // usage
  'INVALID_ARGUMENT', 'INVALID_STATE', 'NOT_SUPPORTED',
  // crypto primitives
  'CRYPTO_BAD_LENGTH', 'CRYPTO_BAD_KEY', 'CRYPTO_BAD_SIGNATURE', 'CRYPTO_AUTH_FAILED',
  // files
  'FILE_CHUNK_INVALID', 'FILE_TRUNCATED', 'FILE_TRAILING_DATA', 'FILE_HASH_MISMATCH', 'FILE_TOO_LARGE',
  // layer 1 frames: pre-authentication (all look the same to the peer)
  'FRAME_TOO_SHORT', 'FRAME_TOO_LARGE', 'FRAME_BAD_ALIGNMENT', 'FRAME_UNKNOWN_KEY', 'FRAME_BAD_MSG_KEY',
  'FRAME_BAD_LENGTH', 'FRAME_BAD_PADDING',
  // layer 1 frames: post-authentication checks (answered with bad_msg_notification)
  'FRAME_BAD_SESSION', 'MSG_ID_TOO_LOW', 'MSG_ID_TOO_HIGH', 'MSG_ID_BAD_BITS', 'MSG_ID_TOO_OLD',
  'SEQ_NO_TOO_LOW', 'SEQ_NO_TOO_HIGH', 'SEQ_NO_EXPECTED_EVEN', 'SEQ_NO_EXPECTED_ODD', 'BAD_SERVER_SALT',
  // handshake
  'HANDSHAKE_BAD_FRAME', 'HANDSHAKE_BAD_NONCE', 'HANDSHAKE_BAD_SIGNATURE', 'HANDSHAKE_CLOCK_SKEW',
  // bodies
  'SCHEMA_INVALID', 'SCHEMA_UNKNOWN_TYPE',
  // secret chats (layer 2)
  'SECRET_BAD_FINGERPRINT', 'SECRET_BAD_MSG_KEY', 'SECRET_BAD_PAYLOAD', 'SECRET_DUPLICATE', 'SECRET_GAP',
  'SECRET_BAD_PARITY', 'SECRET_BAD_PREKEY_SIGNATURE', 'SECRET_BAD_BUNDLE', 'SECRET_REKEY_FAILED',
  'SECRET_ABORTED', 'SECRET_RESEND_UNAVAILABLE', 'SECRET_IDENTITY_CHANGED', 'SECRET_BAD_ENVELOPE',
  'SECRET_UNKNOWN_PREKEY', 'SECRET_EPHEMERAL_STALE',
  // relay / HTTP
  'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED',
  'INVALID_CREDENTIALS', 'TOTP_REQUIRED', 'TOTP_INVALID', 'OTP_INVALID', 'VERIFICATION_REQUIRED',
  'PREKEYS_EXHAUSTED', 'INTERNAL', 'UNAVAILABLE',
  // client / transport
  'CONNECTION_FAILED', 'CONNECTION_CLOSED', 'TIMEOUT', 'NOT_SIGNED_IN', 'PEER_NOT_FOUND', 'STORAGE_FAILED',
  'ABORTED', 'CHUNK_LOAD_FAILED',
] as const

/** A stable error code; see {@link ERROR_CODES} for its meaning. */
export type ErrorCode = (typeof CODES)[number]

/**
 * Every error code with one line of meaning. Codes are stable: never rename, only add (to
 * `CODES` above as well). For docs, the relay's answers and UIs that explain an error; the
 * browser entry does not export it (import it from `mt-chat/errors`), so its text is not part of
 * the SDK's bundle.
 */
export const ERROR_CODES: { readonly [C in ErrorCode]: string } = {
  // --- usage -----------------------------------------------------------------------------------
  INVALID_ARGUMENT: 'An argument passed to a public function has the wrong type, size or value.',
  INVALID_STATE: 'The operation is not allowed in the current state (e.g. sending on a closed chat).',
  NOT_SUPPORTED: 'The platform lacks something this operation needs (e.g. no WebSocket, no IndexedDB).',

  // --- crypto primitives -----------------------------------------------------------------------
  CRYPTO_BAD_LENGTH: 'Input length is invalid for the primitive (e.g. IGE data not a multiple of 16).',
  CRYPTO_BAD_KEY: 'A key is malformed or unusable (wrong size, low-order X25519 point, all-zero shared secret).',
  CRYPTO_BAD_SIGNATURE: 'A signature did not verify.',
  CRYPTO_AUTH_FAILED: 'Authenticated decryption failed: the data or its tag was changed.',

  // --- files -------------------------------------------------------------------------------------
  FILE_CHUNK_INVALID: 'An encrypted file chunk failed authentication (tampered, reordered or from another file).',
  FILE_TRUNCATED: 'An encrypted file ended before its final chunk.',
  FILE_TRAILING_DATA: 'Data followed the final chunk of an encrypted file.',
  FILE_HASH_MISMATCH: 'A decrypted file does not match the sha256 announced in its message.',
  FILE_TOO_LARGE: 'A file is larger than the allowed maximum.',

  // --- layer 1 frames: pre-authentication (all look the same to the peer) --------------------
  FRAME_TOO_SHORT: 'A frame is shorter than its fixed header.',
  FRAME_TOO_LARGE: 'A frame is larger than the maximum frame size.',
  FRAME_BAD_ALIGNMENT: 'An encrypted payload is not a multiple of 16 bytes.',
  FRAME_UNKNOWN_KEY: 'The frame names an auth_key_id this side does not have.',
  FRAME_BAD_MSG_KEY: 'The msg_key recomputed over the decrypted plaintext does not match (tampered or wrong key/direction).',
  FRAME_BAD_LENGTH: 'The length field is larger than the decrypted payload or does not leave room for padding.',
  FRAME_BAD_PADDING: 'Padding is outside 12..1024 bytes.',

  // --- layer 1 frames: post-authentication checks (answered with bad_msg_notification) -------
  FRAME_BAD_SESSION: 'session_id differs from the session bound to this connection.',
  MSG_ID_TOO_LOW: 'msg_id is not greater than the last accepted one, or already seen (replay / reorder). bad_msg 16.',
  MSG_ID_TOO_HIGH: 'msg_id is more than 30 s in the future. bad_msg 17.',
  MSG_ID_BAD_BITS: 'msg_id has the wrong low bits for its sender (client ≡ 0 mod 4, server ≡ 1 or 3 mod 4). bad_msg 18.',
  MSG_ID_TOO_OLD: 'msg_id is more than 300 s in the past. bad_msg 20.',
  SEQ_NO_TOO_LOW: 'seq_no is lower than expected. bad_msg 32.',
  SEQ_NO_TOO_HIGH: 'seq_no is higher than expected. bad_msg 33.',
  SEQ_NO_EXPECTED_EVEN: 'An even seq_no was expected for a service message but an odd one came. bad_msg 34.',
  SEQ_NO_EXPECTED_ODD: 'An odd seq_no was expected for a content message but an even one came. bad_msg 35.',
  BAD_SERVER_SALT: 'The frame used a salt that is not current; the answer carries the new salt. bad_msg 48.',

  // --- handshake -------------------------------------------------------------------------------
  HANDSHAKE_BAD_FRAME: 'A handshake frame is malformed or of an unexpected type.',
  HANDSHAKE_BAD_NONCE: 'The handshake answer does not echo our nonce.',
  HANDSHAKE_BAD_SIGNATURE: 'The relay’s transcript signature does not verify against the pinned server key (possible MITM).',
  HANDSHAKE_CLOCK_SKEW: 'The relay’s clock differs from ours by more than the allowed skew.',

  // --- bodies ----------------------------------------------------------------------------------
  SCHEMA_INVALID: 'A body failed validation against the schema of its type.',
  SCHEMA_UNKNOWN_TYPE: 'A body names a type (`_`) that this side does not know.',

  // --- secret chats (layer 2) ------------------------------------------------------------------
  SECRET_BAD_FINGERPRINT: 'An envelope names a key_fingerprint this chat does not have.',
  SECRET_BAD_MSG_KEY: 'A secret message failed msg_key verification (tampered, reflected or wrong key).',
  SECRET_BAD_PAYLOAD: 'A decrypted secret payload is malformed (length, padding, random_bytes or schema).',
  SECRET_DUPLICATE: 'A secret message was already received (out_seq_no too low); it is dropped.',
  SECRET_GAP: 'Secret messages are missing before this one; it is buffered and a resend was requested.',
  SECRET_BAD_PARITY: 'A secret message has seq_no parity of the wrong side; the chat is aborted.',
  SECRET_BAD_PREKEY_SIGNATURE: 'A peer’s key bundle carries an invalid signature; it is refused.',
  SECRET_BAD_BUNDLE: 'A peer’s key bundle is malformed or incomplete.',
  SECRET_REKEY_FAILED: 'A re-key exchange failed (fingerprint mismatch, unknown exchange or wrong state).',
  SECRET_ABORTED: 'The secret chat was aborted and can no longer be used.',
  SECRET_RESEND_UNAVAILABLE: 'A resend asked for messages this side no longer has.',
  SECRET_IDENTITY_CHANGED: 'A peer’s identity key differs from the one recorded for the chat.',
  SECRET_BAD_ENVELOPE: 'A secret envelope is too short, too long or not block-aligned, so it cannot be authentic; it is dropped.',
  SECRET_UNKNOWN_PREKEY: 'A SecretInit names a signed or one-time prekey this device no longer has (already used or rotated out).',
  SECRET_EPHEMERAL_STALE: 'An ephemeral secret payload (typing) is dated more than 60 s from now; it is dropped.',

  // --- relay / HTTP ------------------------------------------------------------------------------
  BAD_REQUEST: 'The request is malformed or fails validation.',
  UNAUTHORIZED: 'No valid credentials: missing, expired, revoked or wrong token.',
  FORBIDDEN: 'Signed in, but this is not yours to read, change or delete.',
  NOT_FOUND: 'No such resource, or it is not visible to you.',
  CONFLICT: 'The resource already exists (e.g. username taken).',
  PAYLOAD_TOO_LARGE: 'The body, file or chunk is larger than the configured limit.',
  RATE_LIMITED: 'Too many requests or failures; retry after the given delay.',
  INVALID_CREDENTIALS: 'Login name or password is wrong.',
  TOTP_REQUIRED: 'The account has a second factor; repeat the login with a TOTP code.',
  TOTP_INVALID: 'The TOTP code is wrong.',
  OTP_INVALID: 'The one-time code is wrong, expired, already used or out of attempts.',
  VERIFICATION_REQUIRED: 'The account’s phone or email is not verified yet.',
  PREKEYS_EXHAUSTED: 'The peer has no key bundle published.',
  INTERNAL: 'The relay failed unexpectedly; the details are in its log, not here.',
  UNAVAILABLE: 'The relay is shutting down or its storage is unreachable.',

  // --- client / transport ------------------------------------------------------------------------
  CONNECTION_FAILED: 'Could not connect to the relay (network, TLS or handshake failure).',
  CONNECTION_CLOSED: 'The connection closed before the operation completed.',
  TIMEOUT: 'The relay did not answer in time.',
  NOT_SIGNED_IN: 'The operation needs a signed-in session.',
  PEER_NOT_FOUND: 'No user with that name or id.',
  STORAGE_FAILED: 'The local storage adapter failed to read or write.',
  ABORTED: 'The operation was cancelled through its AbortSignal.',
  CHUNK_LOAD_FAILED: 'A part of the SDK loaded on first use (a code chunk: files, long-polling, verification) could not be fetched; the next use tries again.',
}

/**
 * Layer-1 `bad_msg_notification` numbers (docs/PROTOCOL.md §bad_msg), as in MTProto.
 * Pre-authentication failures have none: the peer learns nothing but that the frame was dropped.
 */
export const BAD_MSG_CODES = {
  MSG_ID_TOO_LOW: 16,
  MSG_ID_TOO_HIGH: 17,
  MSG_ID_BAD_BITS: 18,
  MSG_ID_TOO_OLD: 20,
  SEQ_NO_TOO_LOW: 32,
  SEQ_NO_TOO_HIGH: 33,
  SEQ_NO_EXPECTED_EVEN: 34,
  SEQ_NO_EXPECTED_ODD: 35,
  BAD_SERVER_SALT: 48,
} as const satisfies Partial<Record<ErrorCode, number>>

/** HTTP status for codes the relay answers with; anything else is 500. */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  SCHEMA_INVALID: 400,
  SCHEMA_UNKNOWN_TYPE: 400,
  BAD_REQUEST: 400,
  FILE_HASH_MISMATCH: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  TOTP_INVALID: 401,
  OTP_INVALID: 400,
  FORBIDDEN: 403,
  VERIFICATION_REQUIRED: 403,
  NOT_FOUND: 404,
  PEER_NOT_FOUND: 404,
  PREKEYS_EXHAUSTED: 404,
  CONFLICT: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  FILE_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
}

/** WebSocket close codes the relay and client use (4000–4999 is the application range). */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  FRAME_TOO_LARGE: 1009,
  HANDSHAKE_FAILED: 4001,
  PROTOCOL_ERROR: 4002,
  AUTH_FAILED: 4003,
  IDLE_TIMEOUT: 4004,
  RATE_LIMITED: 4008,
  SLOW_CONSUMER: 4010,
  SESSION_REPLACED: 4011,
} as const

/** Extra, code-specific facts an error may carry. Never secrets, never message content. */
export interface ErrorDetails {
  /** For RATE_LIMITED: seconds until a retry may succeed. */
  retryAfter?: number
  /** For BAD_SERVER_SALT: the salt to use from now on. */
  newSalt?: Uint8Array
  /** For frame checks: the layer-1 bad_msg code to notify the peer with. */
  badMsgCode?: number
  /** For SECRET_GAP: the range to ask the peer to resend, as its wire out_seq_no values (the `resend` action's start/end). */
  resend?: {
    /** The first missing message's wire out_seq_no. */
    start: number
    /** The last missing message's wire out_seq_no. */
    end: number
  }
  /** HTTP status, when the error came from or goes to HTTP. */
  status?: number
  /** Free-form, non-sensitive facts (ids, sizes, field paths). */
  [key: string]: unknown
}

/**
 * The one error class of mt-chat. `code` is stable; `message` is for people and may change.
 *
 * @example
 * ```ts
 * try { await chat.send('hi') } catch (err) {
 *   if (MtChatError.is(err, 'RATE_LIMITED')) setTimeout(retry, err.details.retryAfter! * 1000)
 * }
 * ```
 */
export class MtChatError<C extends ErrorCode = ErrorCode> extends Error {
  /** Always `MtChatError`. */
  override readonly name = 'MtChatError'
  /** The stable code; see {@link ERROR_CODES}. */
  readonly code: C
  /** The operation that failed, e.g. `"frame.decrypt"` or `"POST /v1/auth/login"`. */
  readonly op: string | undefined
  /** Code-specific extras. */
  readonly details: ErrorDetails
  /** Whether the message may be shown to a remote peer (4xx on the relay). Internal errors are not. */
  readonly expose: boolean

  constructor(
    code: C,
    message?: string,
    options: { op?: string; details?: ErrorDetails; cause?: unknown; expose?: boolean } = {},
  ) {
    // The default message is the code in words (the meanings are in ERROR_CODES, kept out of the
    // browser bundle): "crypto auth failed (gcm.decrypt)".
    const words = code.toLowerCase().replaceAll('_', ' ')
    super(message ?? (options.op ? `${words} (${options.op})` : words), options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.op = options.op
    this.details = options.details ?? {}
    const status = this.details.status ?? HTTP_STATUS[code]
    this.expose = options.expose ?? (status !== undefined && status < 500)
  }

  /** HTTP status for this error (500 for codes that have none). */
  get status(): number {
    return this.details.status ?? HTTP_STATUS[this.code] ?? 500
  }

  /** True when `err` is an MtChatError, optionally with the given code. */
  static is<K extends ErrorCode>(err: unknown, code?: K): err is MtChatError<K> {
    return err instanceof MtChatError && (code === undefined || err.code === code)
  }

  /** True when `code` is a known error code (for errors rebuilt from the wire). */
  static isCode(code: unknown): code is ErrorCode {
    return (CODES as readonly unknown[]).includes(code)
  }
}
