/**
 * sdk/protocol — the pure protocol layer (docs/PROTOCOL.md §2–§4): state in, bytes out, no
 * sockets, storage or timers. Used unchanged by the SDK transport and the relay gateway.
 *
 * An explicit list of exports, no `export *`: a name not listed here is internal.
 * @module
 */

// --- layer 1: frames (§2.1, §2.3, §2.4) -------------------------------------------------------
export {
  buildPlaintext,
  decodePlainFrame,
  DEFAULT_MAX_FRAME_SIZE,
  encodePlainFrame,
  ENCRYPTED_HEADER_SIZE,
  isPlainFrame,
  MAX_PADDING,
  MIN_ENCRYPTED_FRAME_SIZE,
  MIN_PADDING,
  openFrame,
  paddingLength,
  PLAIN_HEADER_SIZE,
  PLAINTEXT_HEADER_SIZE,
  sealFrame,
  writeHeader,
  type FrameHeader,
  type OpenedFrame,
  type OpenResult,
  type PreAuthCode,
} from './frame.js'

// --- layer 1: msg_id, replay window, seq_no, salts (§2.4–§2.6) --------------------------------
export {
  checkMsgId,
  MSG_ID_BITS,
  MSG_ID_MAX_FUTURE_MS,
  MSG_ID_MAX_PAST_MS,
  MsgIdGenerator,
  msgIdAt,
  msgIdKindOf,
  msgIdTime,
  type MsgIdCode,
  type MsgIdKind,
} from './msg-id.js'
export { ReplayWindow, type ReplayReason, type ReplayWindowOptions } from './replay-window.js'
export { SeqNoCounter, SeqNoExpectation, type SeqNoCode } from './seq-no.js'
export { ClientSalts, RelaySaltSchedule, SALT_GRACE_MS, SALT_PERIOD_MS, type RelaySaltOptions } from './salts.js'

// --- layer 1: handshake (§2.2) -----------------------------------------------------------------
export {
  ClientHandshake,
  RelayHandshake,
  type ClientHandshakeOptions,
  type ClientHandshakeState,
  type HandshakeOutcome,
  type RelayHandshakeOptions,
  type RelayHandshakeState,
} from './handshake.js'
export {
  AUTH_KEY_SIZE,
  decodeHsInit,
  decodeHsOk,
  deriveAuthKey,
  encodeHsInit,
  encodeHsOk,
  handshakeTranscript,
  HS_INIT_SIZE,
  HS_OK_SIZE,
  PROTOCOL_LAYER,
  type HandshakeKeys,
  type HsInit,
  type HsOk,
} from './handshake-codec.js'

// --- layer 1: session (§2.3–§2.7) --------------------------------------------------------------
export {
  Session,
  type Accepted,
  type Incoming,
  type Notification,
  type Outgoing,
  type Packed,
  type PackOptions,
  type Rejected,
  type Role,
  type SessionOptions,
  type UnpackResult,
} from './session.js'

// --- bodies (§2.7, §3, §3.1) -------------------------------------------------------------------
export { bytes, date, deviceId, encodeBody, hex16, parseBody, u64, uint, userId, validate } from './schemas/common.js'
export {
  BODY_TYPES,
  decodeBody,
  decodeObject,
  decodeWith,
  FROM_CLIENT,
  FROM_RELAY,
  isBodyType,
  kindOf,
  registryHas,
  type Body,
  type BodyFrom,
  type BodyRegistry,
  type BodyType,
  type ClientBody,
  type Kind,
  type RelayBody,
  type Sender,
} from './schemas/registry.js'
export {
  isRpcMethod,
  parseResult,
  RPC_METHOD_NAMES,
  RPC_PARAMS,
  RPC_RESULTS,
  RpcErrorSchema,
  RpcResultSchema,
  type RpcError,
  type RpcMethod,
  type RpcParams,
  type RpcRequest,
  type RpcResult,
  type RpcResultOf,
} from './schemas/rpc.js'
export {
  BAD_MSG_NOTIFICATION_CODES,
  BadMsgNotificationSchema,
  BadServerSaltSchema,
  MsgsAckSchema,
  PingSchema,
  PongSchema,
  ServerSaltSchema,
  ServerSaltsSchema,
  type BadMsgNotification,
  type BadServerSalt,
  type MsgsAck,
  type Ping,
  type Pong,
  type ServerSalt,
  type ServerSalts,
} from './schemas/service.js'
export {
  MAX_UPDATES,
  RelayedEnvelopeSchema,
  RelayedEphemeralEnvelopeSchema,
  UPDATE_TYPES,
  UpdateSchema,
  UpdatesSchema,
  type RelayedEnvelope,
  type RelayedEphemeralEnvelope,
  type Update,
  type Updates,
  type UpdateType,
} from './schemas/updates.js'
export {
  CloudMessageSchema,
  EnvelopeDataSchema,
  FileIdSchema,
  FileRefSchema,
  MAX_ENVELOPE_BYTES,
  MessageIdSchema,
  MessageStatusSchema,
  PresenceSchema,
  SecretInitSchema,
  TextSchema,
  UserSchema,
  type CloudMessage,
  type FileRef,
  type MessageStatus,
  type Presence,
  type SecretInit,
  type User,
} from './schemas/types.js'

// --- layer 2: secret chats (§4) ----------------------------------------------------------------
// Not re-exported here: ./secret/index.ts is its own explicit list, imported directly, so the SDK
// can load the secret-chat layer on first use instead of at start-up.
