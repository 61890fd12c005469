/**
 * The relay's one logger: pino with redaction. Request bodies are never logged; on top of that any
 * field named like a credential, code or key is replaced by "[Redacted]" wherever it appears, so a
 * careless `log.info({ body })` still cannot leak a password, token, OTP or key (BRIEF "Security").
 * @module
 */
import { pino, type DestinationStream, type Logger } from 'pino'

export type { Logger } from 'pino'

const SECRET_FIELDS = [
  'authorization', 'cookie', 'password', 'newPassword', 'token', 'jwt', 'totp', 'otp', 'otpCode',
  'secret', 'seed', 'key', 'privateKey', 'storageKey', 'serverKey', 'jwtSecret', 'data', 'text',
]

/** Redaction paths: each secret field at the top level, one and two levels down, and in headers. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'res.headers["set-cookie"]',
  // `code` is also the field of error codes, which logs need; only a body's `code` is an OTP.
  'body.code',
  '*.body.code',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
]

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level?: string
  /** Where lines go (default stdout); tests pass a stream to inspect what was logged. */
  destination?: DestinationStream
}

/**
 * Creates the relay logger.
 * @example
 * ```ts
 * const log = createLogger({ level: 'info' })
 * log.info({ user: 1, password: 'x' }, 'login') // password → "[Redacted]"
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'mt-chat-relay' },
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ sync: false }),
  )
}
