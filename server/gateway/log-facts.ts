/**
 * What the gateway logs about an error: its class, code, operation and message — never the
 * request's content (a frame's plaintext may be someone's message; BRIEF "Security").
 * @module
 */
import { MtChatError } from '../../sdk/errors.js'

/**
 * An error's class, code and message for the log. MtChatError messages are written by us; other
 * errors' messages can quote input (V8's JSON.parse errors do), so they are cut short and the
 * stack keeps only its frames.
 */
export function errorFacts(err: unknown): Record<string, unknown> {
  if (MtChatError.is(err)) return { type: 'MtChatError', code: err.code, op: err.op, message: err.message }
  if (err instanceof Error) return { type: err.name, message: err.message.slice(0, 120), stack: err.stack?.split('\n').filter((l) => l.trimStart().startsWith('at ')).join('\n') }
  return { type: typeof err }
}
