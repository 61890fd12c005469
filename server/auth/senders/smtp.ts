/**
 * Code delivery by email over SMTP (`MT_SMTP_URL`, e.g. `smtps://user:pass@mail.example.com`)
 * with nodemailer.
 * @module
 */
import nodemailer, { type Transporter } from 'nodemailer'
import { MtChatError } from '../../../sdk/errors.js'
import { otpText, type OtpChannel, type OtpMessage, type OtpSender } from './types.js'

/** Emails codes. */
export class SmtpSender implements OtpSender {
  readonly name = 'smtp'
  readonly channels: ReadonlySet<OtpChannel> = new Set<OtpChannel>(['email'])
  private readonly transport: Transporter

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url)
  }

  async send(m: OtpMessage): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.from, to: m.to, subject: m.purpose === 'reset' ? 'Your mt-chat password reset code' : 'Your mt-chat verification code', text: otpText(m) })
    } catch (cause) {
      throw new MtChatError('UNAVAILABLE', 'sending the code email failed', { cause, expose: false })
    }
  }

  close(): void {
    this.transport.close()
  }
}
