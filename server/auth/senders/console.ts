/**
 * Development-only code delivery: prints the code to the relay's console (stderr), so someone
 * running `npm start` locally can reset a password or verify an account without mail or SMS.
 *
 * Decision: the code is written directly to stderr, not through pino, so it never reaches the
 * structured (shipped, retained) logs; and this sender only exists when NODE_ENV is not
 * `production` — the relay refuses to create it there, and warns at start that codes are printed.
 * @module
 */
import type { OtpChannel, OtpMessage, OtpSender } from './types.js'

/** Prints codes to a stream (stderr by default). */
export class ConsoleSender implements OtpSender {
  readonly name = 'console'
  readonly channels: ReadonlySet<OtpChannel> = new Set<OtpChannel>(['email', 'phone', 'console'])

  constructor(private readonly out: { write(s: string): unknown } = process.stderr) {}

  async send(m: OtpMessage): Promise<void> {
    this.out.write(`[mt-chat] DEVELOPMENT ONLY — ${m.purpose} code for ${m.to} (user ${m.userId}): ${m.code} (valid until ${new Date(m.expiresAt).toISOString()})\n`)
  }
}
