/**
 * Chooses how codes are delivered from the configuration: SMTP for email when `MT_SMTP_URL` is
 * set, the webhook for phones (and for email when there is no SMTP), and — only outside
 * production, when neither is set — the console.
 * @module
 */
import { ConsoleSender } from './console.js'
import { SmtpSender } from './smtp.js'
import type { OtpChannel, OtpMessage, OtpSender } from './types.js'
import { WebhookSender } from './webhook.js'

export type { OtpChannel, OtpMessage, OtpSender } from './types.js'
export { ConsoleSender } from './console.js'

/** Routes each channel to the first sender that reaches it. */
class RoutingSender implements OtpSender {
  readonly name: string
  readonly channels: ReadonlySet<OtpChannel>

  constructor(private readonly senders: readonly OtpSender[]) {
    this.name = senders.map((s) => s.name).join('+')
    this.channels = new Set(senders.flatMap((s) => [...s.channels]))
  }

  async send(m: OtpMessage): Promise<void> {
    await this.senders.find((s) => s.channels.has(m.channel))!.send(m)
  }
}

/** The configured sender, or undefined when codes cannot be delivered. */
export function selectSender(o: { smtpUrl?: string; smtpFrom: string; otpWebhook?: string; nodeEnv: string }): OtpSender | undefined {
  const senders: OtpSender[] = []
  if (o.smtpUrl) senders.push(new SmtpSender(o.smtpUrl, o.smtpFrom))
  if (o.otpWebhook) senders.push(new WebhookSender(o.otpWebhook))
  if (senders.length === 0) return o.nodeEnv === 'production' ? undefined : new ConsoleSender()
  return senders.length === 1 ? senders[0] : new RoutingSender(senders)
}
