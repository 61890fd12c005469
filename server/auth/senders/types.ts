/**
 * The pluggable delivery of one-time codes (issue 4: SMTP email, a webhook for SMS gateways, the
 * console only in development).
 * @module
 */

/** Where a code goes. `console` is the development channel for accounts without email or phone. */
export type OtpChannel = 'email' | 'phone' | 'console'

/** One code to deliver. */
export interface OtpMessage {
  channel: OtpChannel
  /** Email address, phone number, or (console) the username. */
  to: string
  code: string
  purpose: 'reset' | 'verify'
  expiresAt: number
  userId: number
}

/** Delivers codes over some channels. */
export interface OtpSender {
  readonly name: string
  /** Channels this sender can reach. */
  readonly channels: ReadonlySet<OtpChannel>
  /** Delivers or throws (UNAVAILABLE); never logs the code. */
  send(message: OtpMessage): Promise<void>
}

/** The text of a code message (email body, console line). */
export function otpText(m: OtpMessage): string {
  const what = m.purpose === 'reset' ? 'reset your mt-chat password' : 'verify your mt-chat account'
  return `Your code to ${what} is ${m.code}. It expires in 10 minutes. If you did not ask for it, ignore this message.`
}
