/**
 * Layer 2, secret chats (docs/PROTOCOL.md §4): the public surface the SDK client uses. An explicit
 * list, no `export *`: what is not named here is internal to the layer.
 * @module
 */
export { SecretChatSession, DEFAULT_MAX_STORED, type SecretIdentityKeys } from './chat-session.js'
export type { SecretSessionOptions, InitiateOptions, AcceptOptions } from './start.js'
export type {
  SecretChatState,
  SecretTransition,
  SecretTransitionCode,
  SecretEnvelope,
  SecretOutcome,
  SendPurpose,
  OutgoingMessage,
  ContentMessage,
  UserAction,
} from './outcomes.js'
export { DeviceKeys, verifyPeerBundle, MAX_ONE_TIME_PREKEYS, type DeviceKeysJson } from './identity.js'
export type { SecretChatJson } from './session-state.js'
export type { SecretRole } from './seq.js'
export { DEFAULT_MAX_BUFFERED } from './seq.js'
export { REKEY_AFTER_MESSAGES, REKEY_AFTER_MS, deriveRekey } from './rekey.js'
export { deriveInitiator, deriveResponder, chatKeyInfo, CHAT_KEY_LENGTH, type ChatKey } from './x3dh.js'
export { sealEnvelope, openEnvelope, MAX_PAYLOAD_LENGTH } from './envelope.js'
export { EPHEMERAL_WINDOW_MS } from './payload.js'
