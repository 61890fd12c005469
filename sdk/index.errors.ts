/**
 * `mt-chat/errors`: every error code with its one line of meaning, for docs, logs and interfaces
 * that explain an error to people. The main entry leaves {@link ERROR_CODES} out so that its
 * sentences are not part of the browser bundle; `MtChatError` here is the same class as the main
 * entry's.
 *
 * @example
 * ```ts
 * import { ERROR_CODES, MtChatError } from 'mt-chat/errors'
 * if (MtChatError.is(err)) showToast(ERROR_CODES[err.code])
 * ```
 * @module mt-chat/errors
 */
export { ERROR_CODES, MtChatError, type ErrorCode, type ErrorDetails } from './errors.js'
