/**
 * The relay's services in one container: what HTTP routes use now and what the gateway plugs into
 * (`relay.services`). Each is documented in its own module.
 * @module
 */
import type { AccountService } from '../auth/accounts.js'
import type { Authenticator } from '../auth/authenticate.js'
import type { OtpService } from '../auth/otp.js'
import type { SessionService } from '../auth/sessions.js'
import type { AuditLog } from './audit.js'
import type { FileService } from './files.js'
import type { GroupCommitter } from './group-commit.js'
import type { KeyService } from './keys.js'
import type { MessageService } from './messages.js'
import type { PresenceSource } from './presence.js'
import type { UpdateBus } from './update-bus.js'
import type { UpdateService } from './updates.js'
import type { UserService } from './users.js'

/** Every service of the relay core. */
export interface RelayServices {
  /** Token → user, for HTTP and `auth.signIn`. */
  auth: Authenticator
  accounts: AccountService
  sessions: SessionService
  otp: OtpService
  users: UserService
  presence: PresenceSource
  keys: KeyService
  files: FileService
  messages: MessageService
  updates: UpdateService
  /** Group commit of sends, envelopes, receipts and acks. */
  writer: GroupCommitter
  bus: UpdateBus
  audit: AuditLog
}
