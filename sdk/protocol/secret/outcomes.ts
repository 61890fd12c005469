/**
 * What a secret-chat session hands back (docs/PROTOCOL.md §4): envelopes to send, messages and
 * actions to apply, and every drop, buffer and state change as a value with its code — never a
 * silent drop, never only a log line.
 * @module
 */
import type { ErrorCode, MtChatError } from '../../errors.js'
import type { DecryptedMessage, SecretAction, SecretInit } from '../schemas/secret.js'

/** The lifecycle of a secret chat. */
export type SecretChatState = 'initiating' | 'active' | 'rekeying' | 'aborted' | 'closed'

/** Why a transition happened: an error code, or one of the normal steps. */
export type SecretTransitionCode =
  | ErrorCode
  | 'created'
  | 'peer_joined'
  | 'rekey_started'
  | 'rekey_accepted'
  | 'rekey_conflict_lost'
  | 'rekey_done'
  | 'closed'

/** One state change: `{ from, to, code, reason }` (from is null when the chat is created). */
export interface SecretTransition {
  from: SecretChatState | null
  to: SecretChatState
  code: SecretTransitionCode
  reason: string
}

/** An envelope as `messages.sendSecret` takes it and `update.secret` delivers it (§3). */
export interface SecretEnvelope {
  /** 16 lowercase hex characters; equals the payload's random_id (not for ephemeral envelopes). */
  randomId: string
  /** The encrypted envelope of §4.2. */
  data: Uint8Array
  /** Attached by the initiator until the peer has answered (§4.1). */
  init?: SecretInit
}

/** Service actions the application sends and receives (the rest are the protocol's own). */
export type UserAction = Extract<
  SecretAction,
  { _: 'readMessages' } | { _: 'deleteMessages' } | { _: 'flushHistory' } | { _: 'setTTL' } | { _: 'screenshot' }
>

/** A text or file message. */
export type ContentMessage = Extract<DecryptedMessage, { _: 'text' } | { _: 'file' }>

/** What the application may pass to `encrypt`. */
export type OutgoingMessage = ContentMessage | { _: 'service'; action: UserAction }

/** Why the session wants an envelope sent. */
export type SendPurpose =
  | 'resend'
  | 'resendRequest'
  | 'ack'
  | 'notifyLayer'
  | 'requestKey'
  | 'acceptKey'
  | 'commitKey'
  | 'abortKey'

/** One thing that came out of `decrypt`, `maintain`, `rekey` or creation, in order. */
export type SecretOutcome =
  /** A message delivered in order, exactly once. `seq` is the peer's raw out number. */
  | { type: 'message'; randomId: string; seq: number; message: ContentMessage }
  /** A service action to apply (read receipts, delete, TTL, screenshot, flush). */
  | { type: 'action'; randomId: string; seq: number; action: UserAction }
  /** The peer is typing (ephemeral). */
  | { type: 'typing'; date: number }
  /** An envelope to send with `messages.sendSecret`. */
  | { type: 'send'; purpose: SendPurpose; envelope: SecretEnvelope }
  /** An envelope or message was dropped; `error.code` says why (e.g. SECRET_DUPLICATE, SECRET_BAD_MSG_KEY). */
  | { type: 'dropped'; error: MtChatError }
  /** A message came ahead of a gap; it is held and a resend was (or will be) asked for. */
  | { type: 'buffered'; seq: number; error: MtChatError<'SECRET_GAP'> }
  /** The layer both sides now speak (§4.5). */
  | { type: 'layer'; layer: number }
  /** A re-key completed; new messages use this key. */
  | { type: 'rekeyed'; fingerprint: Uint8Array }
  /** The previous key was zeroized: nothing in flight needs it any more. */
  | { type: 'keyRetired'; fingerprint: Uint8Array }
  /** The chat changed state; a transition to `aborted` carries the error. */
  | { type: 'state'; transition: SecretTransition; error?: MtChatError }
