/**
 * Crafts client frames by hand from a connection's handshake keys, for the checks that a correct
 * client never trips (docs/PROTOCOL.md §2.4): wrong salt, wrong session_id, msg_id with bad bits
 * or out of the time window, seq_no off by one or of the wrong parity.
 */
import { nodeProvider } from '../../../sdk/crypto/node.js'
import { buildPlaintext, sealFrame } from '../../../sdk/protocol/frame.js'
import type { HandshakeKeys } from '../../../sdk/protocol/handshake-codec.js'
import { msgIdAt } from '../../../sdk/protocol/msg-id.js'
import { encodeBody } from '../../../sdk/protocol/schemas/common.js'

/** Frame fields; anything omitted takes the correct next value. */
export interface ForgeFields {
  body: object | Uint8Array
  msgId?: bigint
  seqNo?: number
  salt?: Uint8Array
  sessionId?: Uint8Array
}

/** A hand-driven client side of one connection. */
export class Forge {
  private lastId = 0n
  /** Content messages sent and accepted so far (the relay's expectation, if every frame was fine). */
  content = 0

  /**
   * @param sessionId The session_id of the test client that reads the relay's answers (the relay
   *   echoes it, and the client's session checks it).
   */
  constructor(
    private readonly keys: HandshakeKeys,
    readonly sessionId: Uint8Array,
  ) {}

  /**
   * A fresh client msg_id (≡ 0 mod 4, now, greater than the last); with an offset, a msg_id that
   * far from now, outside the sequence (for the time-window checks).
   */
  nextMsgId(offsetMs = 0): bigint {
    let id = msgIdAt(Date.now() + offsetMs) & ~3n
    if (offsetMs !== 0) return id
    if (id <= this.lastId) id = (this.lastId + 4n) & ~3n
    this.lastId = id
    return id
  }

  /** The seq_no a correct client would use next for a content (odd) or service (even) message. */
  seq(kind: 'content' | 'service'): number {
    return kind === 'content' ? 2 * this.content + 1 : 2 * this.content
  }

  /** Encrypts a frame with the given (possibly wrong) fields. */
  frame(f: ForgeFields): Uint8Array {
    const body = f.body instanceof Uint8Array ? f.body : encodeBody(f.body)
    const pad = 12 + ((16 - ((32 + body.length + 12) % 16)) % 16)
    const pt = buildPlaintext(
      { salt: f.salt ?? this.keys.salt, sessionId: f.sessionId ?? this.sessionId, msgId: f.msgId ?? this.nextMsgId(), seqNo: f.seqNo ?? this.seq('content') },
      body,
      nodeProvider.randomBytes(pad),
    )
    return sealFrame(nodeProvider, this.keys.authKey, this.keys.authKeyId, 0, pt)
  }
}
