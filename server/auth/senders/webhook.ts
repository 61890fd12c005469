/**
 * Code delivery through a webhook (`MT_OTP_WEBHOOK`): the relay POSTs
 * `{ "channel", "to", "code", "purpose", "expires_at", "user_id" }` as JSON and expects a 2xx
 * within 5 seconds. An SMS gateway (or the operator's own mailer) sits behind the URL.
 * @module
 */
import { MtChatError } from '../../../sdk/errors.js'
import type { OtpChannel, OtpMessage, OtpSender } from './types.js'

/** POSTs codes to a URL. */
export class WebhookSender implements OtpSender {
  readonly name = 'webhook'
  readonly channels: ReadonlySet<OtpChannel> = new Set<OtpChannel>(['email', 'phone'])

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 5000,
  ) {}

  async send(m: OtpMessage): Promise<void> {
    let res: Response
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'mt-chat-relay' },
        body: JSON.stringify({ channel: m.channel, to: m.to, code: m.code, purpose: m.purpose, expires_at: m.expiresAt, user_id: m.userId }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      })
    } catch (cause) {
      throw new MtChatError('UNAVAILABLE', 'the OTP webhook is unreachable', { cause, expose: false })
    }
    await res.body?.cancel()
    if (!res.ok) throw new MtChatError('UNAVAILABLE', `the OTP webhook answered ${res.status}`, { expose: false })
  }
}
