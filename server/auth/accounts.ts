/**
 * The relay's own accounts (issue 4, DESIGN "Server"): register with username, email or phone and
 * a password; verify email/phone with a code; log in (lockout, optional TOTP); log out; reset a
 * password with a code; enable/disable TOTP; exchange a host-signed JWT for a session.
 *
 * Enumeration: an unknown login and a wrong password give the same INVALID_CREDENTIALS after the
 * same scrypt work; code requests always answer 202. Registration necessarily says a name is taken.
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'
import type { Clock } from '../clock.js'
import type { RelayMetrics } from '../metrics/relay-metrics.js'
import type { AuditLog } from '../services/audit.js'
import { meJson, type MeJson } from '../services/users.js'
import type { Store } from '../store/store.js'
import { claimTotpStep, createUser, findUserByLogin, updateUser, type UserRow } from '../store/users.js'
import type { AuthContext } from './authenticate.js'
import { hostUser } from './host-users.js'
import type { HostJwtVerifier } from './jwt.js'
import { accountScope, type LoginGuard } from './lockout.js'
import type { OtpService } from './otp.js'
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password.js'
import type { SessionService } from './sessions.js'
import { checkTotp, newTotpSecret, totpUri } from './totp.js'

/** `POST /v1/auth/register` input (validated by the route schema). */
export interface RegisterInput {
  username?: string
  email?: string
  phone?: string
  password: string
  display_name?: string
}

/** A signed-in answer. */
export interface SignedIn {
  user: MeJson
  token: string
  expires_at: number
}

/** Dependencies of {@link AccountService}. */
export interface AccountDeps {
  store: Store
  clock: Clock
  sessions: SessionService
  guard: LoginGuard
  otp: OtpService
  audit: AuditLog
  metrics: RelayMetrics
  jwt?: HostJwtVerifier
  scryptCost: number
  requireVerification: boolean
}

/** Account flows. */
export class AccountService {
  constructor(private readonly deps: AccountDeps) {}

  private async signedIn(user: UserRow, kind: 'password' | 'jwt' | 'register', ip?: string): Promise<SignedIn> {
    const s = await this.deps.sessions.issue(user.id, kind, ip)
    return { user: meJson(user), token: s.token, expires_at: s.expires_at }
  }

  /** Creates an account; signed in at once, or pending a code when verification applies. */
  async register(input: RegisterInput, ip?: string): Promise<SignedIn | { user: MeJson; verification: { channel: string; expires_at: number } }> {
    if (!input.username && !input.email && !input.phone) throw new MtChatError('BAD_REQUEST', 'give a username, an email or a phone number')
    const needsCode = this.deps.requireVerification && this.deps.otp.enabled && Boolean(input.email || input.phone)
    const password_hash = await hashPassword(input.password, this.deps.scryptCost)
    const now = this.deps.clock.now()
    const user = await this.deps.store.transaction((trx) =>
      createUser(
        trx,
        {
          username: input.username?.toLowerCase(),
          email: input.email?.toLowerCase(),
          phone: input.phone,
          display_name: input.display_name,
          password_hash,
          verified: !needsCode,
        },
        now,
      ),
    )
    this.deps.audit.record('auth.register', { userId: user.id, ip, meta: { verification: needsCode } })
    if (!needsCode) return this.signedIn(user, 'register', ip)
    const { channel, expires_at } = await this.deps.otp.issue(user, 'verify')
    return { user: meJson(user), verification: { channel, expires_at } }
  }

  /** Confirms an account's email/phone with the code sent at registration. */
  async verify(login: string, code: string, ip?: string): Promise<void> {
    const user = await findUserByLogin(this.deps.store.knex, login)
    if (!user || user.verified) throw new MtChatError('OTP_INVALID', 'no pending verification for this login')
    await this.deps.otp.verify(user.id, 'verify', code)
    await updateUser(this.deps.store.knex, user.id, { verified: true })
    this.deps.audit.record('auth.verify', { userId: user.id, ip })
  }

  /** Password login (with the TOTP code when the account has one). */
  async login(input: { login: string; password: string; totp?: string }, ip: string): Promise<SignedIn> {
    const user = await findUserByLogin(this.deps.store.knex, input.login)
    const scope = accountScope(input.login, user?.id)
    return this.deps.guard.serialize(scope, () => this.attempt(input, ip, user, scope))
  }

  /** One password login attempt on `scope`, run by {@link login} one at a time per account. */
  private async attempt(input: { login: string; password: string; totp?: string }, ip: string, user: UserRow | undefined, scope: string): Promise<SignedIn> {
    const { store, guard, clock, metrics, audit } = this.deps
    try {
      await guard.check(scope, ip)
    } catch (err) {
      metrics.logins.inc({ method: 'password', result: 'locked' })
      throw err
    }
    const ok = user?.password_hash ? await verifyPassword(input.password, user.password_hash) : (await verifyPassword(input.password, await dummyHash(this.deps.scryptCost))) && false
    const failed = async (code: 'INVALID_CREDENTIALS' | 'TOTP_INVALID', message: string): Promise<never> => {
      const locked = await guard.fail(scope, ip)
      metrics.logins.inc({ method: 'password', result: 'fail' })
      audit.record('auth.login_failed', { userId: user?.id, ip, meta: { reason: code } })
      if (locked) audit.record('auth.locked', { userId: user?.id, ip })
      throw new MtChatError(code, message)
    }
    if (!ok || !user) return failed('INVALID_CREDENTIALS', 'wrong login or password')
    if (!user.verified) throw new MtChatError('VERIFICATION_REQUIRED', 'verify your email or phone with the code first')
    if (user.totp_enabled) {
      if (!input.totp) throw new MtChatError('TOTP_REQUIRED', 'this account needs a TOTP code')
      const step = checkTotp(this.totpSecret(user), input.totp, clock.now())
      if (step === undefined || !(await claimTotpStep(store.knex, user.id, step))) return failed('TOTP_INVALID', 'the TOTP code is wrong or was already used')
    }
    await guard.succeed(scope)
    if (needsRehash(user.password_hash!, this.deps.scryptCost))
      await updateUser(store.knex, user.id, { password_hash: await hashPassword(input.password, this.deps.scryptCost) })
    metrics.logins.inc({ method: 'password', result: 'ok' })
    audit.record('auth.login', { userId: user.id, ip })
    return this.signedIn(user, 'password', ip)
  }

  /** Revokes the session the request was made with. */
  async logout(auth: AuthContext, ip?: string): Promise<void> {
    if (auth.sessionId !== undefined) await this.deps.sessions.revoke(auth.user.id, auth.sessionId)
    this.deps.audit.record('auth.logout', { userId: auth.user.id, ip })
  }

  /** Sends a code (reset or verify) if the login names an account; always quiet about which. */
  async requestCode(login: string, purpose: 'reset' | 'verify', ip?: string): Promise<void> {
    if (!this.deps.otp.enabled) throw new MtChatError('UNAVAILABLE', 'this relay has no way to send codes (no SMTP or webhook configured)', { expose: true })
    const user = await findUserByLogin(this.deps.store.knex, login)
    if (!user || (purpose === 'verify' && user.verified)) return
    try {
      const { channel } = await this.deps.otp.issue(user, purpose)
      this.deps.audit.record('auth.otp_sent', { userId: user.id, ip, meta: { purpose, channel } })
    } catch (err) {
      // Throttled or no destination: answer like for an unknown login.
      if (!MtChatError.is(err, 'RATE_LIMITED') && !MtChatError.is(err, 'UNAVAILABLE')) throw err
    }
  }

  /** Sets a new password with a reset code; signs out every session of the account. */
  async reset(login: string, code: string, password: string, ip?: string): Promise<void> {
    const user = await findUserByLogin(this.deps.store.knex, login)
    if (!user) throw new MtChatError('OTP_INVALID', 'no valid code; request a new one')
    await this.deps.otp.verify(user.id, 'reset', code)
    await updateUser(this.deps.store.knex, user.id, { password_hash: await hashPassword(password, this.deps.scryptCost) })
    await this.deps.sessions.revokeAll(user.id)
    await this.deps.guard.succeed(accountScope(login, user.id))
    this.deps.audit.record('auth.reset', { userId: user.id, ip })
  }

  private totpSecret(user: UserRow): string {
    if (!user.totp_secret || !user.totp_key_id) throw new MtChatError('INVALID_STATE', 'no TOTP secret; call POST /v1/auth/totp first')
    return this.deps.store.cipher.open(user.totp_key_id, user.totp_secret, `mt-chat/totp/v1:${user.id}`).toString('utf8')
  }

  /** Starts TOTP enrolment: a new secret (not active until confirmed with a code). */
  async totpSetup(user: UserRow): Promise<{ secret: string; uri: string }> {
    if (user.totp_enabled) throw new MtChatError('INVALID_STATE', 'TOTP is already enabled')
    const secret = newTotpSecret()
    const sealed = this.deps.store.cipher.seal(Buffer.from(secret, 'utf8'), `mt-chat/totp/v1:${user.id}`)
    await updateUser(this.deps.store.knex, user.id, { totp_secret: sealed.blob, totp_key_id: sealed.keyId, totp_last_step: null })
    return { secret, uri: totpUri(secret, user.username ?? user.email ?? user.phone ?? `user-${user.id}`) }
  }

  /** Confirms enrolment with a current code. */
  async totpEnable(user: UserRow, code: string, ip?: string): Promise<void> {
    if (user.totp_enabled) throw new MtChatError('INVALID_STATE', 'TOTP is already enabled')
    const step = checkTotp(this.totpSecret(user), code, this.deps.clock.now())
    if (step === undefined) throw new MtChatError('TOTP_INVALID', 'the TOTP code is wrong')
    await updateUser(this.deps.store.knex, user.id, { totp_enabled: true, totp_last_step: step })
    this.deps.audit.record('auth.totp_enabled', { userId: user.id, ip })
  }

  /** Turns TOTP off (needs a current code). */
  async totpDisable(user: UserRow, code: string, ip?: string): Promise<void> {
    if (!user.totp_enabled) throw new MtChatError('INVALID_STATE', 'TOTP is not enabled')
    const step = checkTotp(this.totpSecret(user), code, this.deps.clock.now())
    if (step === undefined || !(await claimTotpStep(this.deps.store.knex, user.id, step))) throw new MtChatError('TOTP_INVALID', 'the TOTP code is wrong or was already used')
    await updateUser(this.deps.store.knex, user.id, { totp_enabled: false, totp_secret: null, totp_key_id: null })
    this.deps.audit.record('auth.totp_disabled', { userId: user.id, ip })
  }

  /** Exchanges a host-signed JWT for a relay session (creating the account on first sight). */
  async jwtSignIn(jwt: string, ip?: string): Promise<SignedIn> {
    if (!this.deps.jwt) throw new MtChatError('UNAUTHORIZED', 'host JWT sign-in is not configured on this relay')
    const now = this.deps.clock.now()
    let claims
    try {
      claims = await this.deps.jwt.verify(jwt, now)
    } catch (err) {
      this.deps.metrics.logins.inc({ method: 'jwt', result: 'fail' })
      this.deps.audit.record('auth.jwt_failed', { ip, meta: { reason: (err as Error).message.slice(0, 100) } })
      throw err
    }
    const { user, created } = await hostUser(this.deps.store, claims, now)
    this.deps.metrics.logins.inc({ method: 'jwt', result: 'ok' })
    this.deps.audit.record('auth.jwt', { userId: user.id, ip, meta: { created } })
    return this.signedIn(user, 'jwt', ip)
  }
}
