import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MtChatError } from '../../../sdk/errors.js'
import { encodeBody } from '../../../sdk/protocol/schemas/common.js'
import { BODY_TYPES, decodeBody, decodeObject, isBodyType, kindOf, type Body } from '../../../sdk/protocol/schemas/registry.js'
import { parseResult, RPC_METHOD_NAMES, type RpcMethod } from '../../../sdk/protocol/schemas/rpc.js'
import { UPDATE_TYPES } from '../../../sdk/protocol/schemas/updates.js'
import { utf8 } from '../../../sdk/util/bytes.js'
import { BODIES, fileRef, RESULTS, UPDATES } from './fixtures/bodies.js'

const json = (value: unknown) => utf8(JSON.stringify(value))
const codeOf = (f: () => unknown): string => {
  try {
    f()
  } catch (err) {
    if (MtChatError.is(err)) return err.code
    throw err
  }
  return 'no error'
}
/** The error of a call that must throw SCHEMA_INVALID; its message names the field. */
function invalid(f: () => unknown): MtChatError {
  expect(f).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
  try {
    f()
  } catch (err) {
    return err as MtChatError
  }
  throw new Error('unreachable')
}

describe('body registry', () => {
  it('has an example for every body, update and result type, and nothing more', () => {
    expect(Object.keys(BODIES).sort()).toEqual([...BODY_TYPES].sort())
    expect(Object.keys(UPDATES).sort()).toEqual([...UPDATE_TYPES].sort())
    expect(Object.keys(RESULTS).sort()).toEqual([...RPC_METHOD_NAMES].sort())
  })

  it('encodeBody writes bytes as base64 and u64 as decimal strings, and leaves its input untouched', () => {
    const body = { _: 'bad_server_salt', bad_msg_id: 18446744073709551615n, bad_msg_seqno: 3, error_code: 48, new_server_salt: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }
    const copy = structuredClone(body)
    expect(new TextDecoder().decode(encodeBody(body))).toBe(
      '{"_":"bad_server_salt","bad_msg_id":"18446744073709551615","bad_msg_seqno":3,"error_code":48,"new_server_salt":"AQIDBAUGBwg="}',
    )
    expect(body).toEqual(copy)
    const nested = { _: 'server_salts', salts: [{ salt: new Uint8Array(8), valid_since: 1, valid_until: 2 }] }
    encodeBody(nested)
    expect(nested.salts[0].salt).toBeInstanceOf(Uint8Array)
  })

  it('round-trips every example through encodeBody and decodeBody', () => {
    for (const body of Object.values(BODIES)) expect(decodeBody(encodeBody(body))).toEqual(body)
  })

  it('validates every example result against its method', () => {
    for (const m of RPC_METHOD_NAMES) {
      const wire = JSON.parse(new TextDecoder().decode(encodeBody(RESULTS[m])))
      expect(parseResult(m, wire)).toEqual(RESULTS[m])
    }
  })

  it('restricts each side to the types it sends', () => {
    expect(codeOf(() => decodeBody(encodeBody(BODIES.rpc_result), 'client'))).toBe('SCHEMA_UNKNOWN_TYPE')
    expect(codeOf(() => decodeBody(encodeBody(BODIES['messages.send']), 'relay'))).toBe('SCHEMA_UNKNOWN_TYPE')
    expect(decodeBody(encodeBody(BODIES.bad_msg_notification), 'client')._).toBe('bad_msg_notification')
    expect(decodeBody(encodeBody(BODIES.bad_msg_notification), 'relay')._).toBe('bad_msg_notification')
    expect(isBodyType('ping', 'client')).toBe(true)
    expect(isBodyType('ping', 'relay')).toBe(false)
  })

  it('marks service and content kinds as §2.5 lists them', () => {
    const service = BODY_TYPES.filter((t) => kindOf(t) === 'service').sort()
    expect(service).toEqual(['bad_msg_notification', 'bad_server_salt', 'msgs_ack', 'ping', 'pong', 'server_salts'])
    expect(kindOf('some.future.method')).toBe('content')
  })
})

describe('body validation', () => {
  it('rejects what is not a JSON object with a string _ as SCHEMA_INVALID', () => {
    for (const raw of [utf8('not json'), utf8('[1]'), utf8('{"x":1}'), utf8('{"_":5}'), new Uint8Array([0xff, 0xfe]), utf8('null')])
      expect(codeOf(() => decodeBody(raw))).toBe('SCHEMA_INVALID')
  })

  it('rejects an unknown type as SCHEMA_UNKNOWN_TYPE', () => {
    expect(codeOf(() => decodeBody(json({ _: 'messages.explode' })))).toBe('SCHEMA_UNKNOWN_TYPE')
    expect(codeOf(() => decodeBody(json({ _: '__proto__' })))).toBe('SCHEMA_UNKNOWN_TYPE')
    expect(codeOf(() => decodeBody(json({ _: 'toString' })))).toBe('SCHEMA_UNKNOWN_TYPE')
  })

  it('rejects unknown fields, naming them', () => {
    const e = invalid(() => decodeBody(json({ _: 'messages.read', peer: 1, max_id: 2, admin: true })))
    expect(e.message).toContain('admin')
    expect(e.details.path).toBe('admin')
  })

  it('names the failing field, nested ones by dot path', () => {
    const cases: [unknown, string][] = [
      [{ _: 'messages.send', peer: 0, random_id: '0011223344556677', text: 'x' }, 'peer'],
      [{ _: 'messages.send', peer: 1, random_id: '0011223344556677', text: '' }, 'text'],
      [{ _: 'messages.send', peer: 1, random_id: '0011223344556677', text: 'x'.repeat(4097) }, 'text'],
      [{ _: 'messages.send', peer: 1, random_id: '0011223344556677' }, 'text'],
      [{ _: 'messages.send', peer: 1, random_id: 'ABCDEF0011223344', text: 'x' }, 'random_id'],
      [{ _: 'messages.history', peer: 1, limit: 101 }, 'limit'],
      [{ _: 'msgs_ack', msg_ids: [] }, 'msg_ids'],
      [{ _: 'msgs_ack', msg_ids: ['18446744073709551616'] }, 'msg_ids.0'],
      [{ _: 'msgs_ack', msg_ids: ['01'] }, 'msg_ids.0'],
      [{ _: 'msgs_ack', msg_ids: [5] }, 'msg_ids.0'],
      [{ _: 'bad_msg_notification', bad_msg_id: '1', bad_msg_seqno: 1, error_code: 19 }, 'error_code'],
      [{ _: 'server_salts', salts: [{ salt: 'AAAA', valid_since: 1, valid_until: 2 }] }, 'salts.0.salt'],
      [{ _: 'server_salts', salts: [{ salt: 'AAAAAAAAAA$=', valid_since: 1, valid_until: 2 }] }, 'salts.0.salt'],
      [{ _: 'updates', updates: [{ _: 'update.typing', peer: 'x' }], pts: 1 }, 'updates.0.peer'],
      [{ _: 'updates', updates: [{ _: 'update.nope' }], pts: 1 }, 'updates.0._'],
      [{ _: 'presence.subscribe', users: Array.from({ length: 201 }, (_, i) => i + 1) }, 'users'],
      [{ _: 'messages.sendSecret', peer: 1, device_id: 'd', chat_id: '0011223344556677', random_id: '0011223344556677', data: 'AAAA' }, 'data'],
      [{ _: 'rpc_error', req_msg_id: '1', error: { code: 'lower', message: '' } }, 'error.code'],
    ]
    for (const [body, path] of cases) {
      const e = invalid(() => decodeBody(json(body)))
      expect(e.details.path, JSON.stringify(body).slice(0, 80)).toBe(path)
    }
  })

  it('messages.send takes exactly one of text or file', () => {
    const base = { _: 'messages.send', peer: 1, random_id: '0011223344556677' }
    const file = JSON.parse(new TextDecoder().decode(encodeBody(fileRef)))
    expect(decodeBody(json({ ...base, file }))).toEqual({ ...base, file: fileRef })
    expect(invalid(() => decodeBody(json({ ...base, file, text: 'x' }))).details.path).toBe('text')
  })

  it('parseResult: the wrong shape is SCHEMA_INVALID, an unknown method SCHEMA_UNKNOWN_TYPE', () => {
    expect(invalid(() => parseResult('messages.read', { pts: -1 })).details.path).toBe('pts')
    expect(codeOf(() => parseResult('messages.nope' as RpcMethod, {}))).toBe('SCHEMA_UNKNOWN_TYPE')
  })
})

describe('body round trips (property)', () => {
  const hex16 = fc.stringMatching(/^[0-9a-f]{16}$/)
  const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
  const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max })
  const arbitraries: fc.Arbitrary<Body>[] = [
    fc.record({ _: fc.constant('messages.send' as const), peer: id, random_id: hex16, text: fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }) }),
    fc.record({ _: fc.constant('msgs_ack' as const), msg_ids: fc.array(u64, { minLength: 1, maxLength: 50 }) }),
    fc.record({ _: fc.constant('ping' as const), ping_id: u64 }),
    fc.record({
      _: fc.constant('server_salts' as const),
      salts: fc.array(fc.record({ salt: bytes(8, 8), valid_since: fc.nat(), valid_until: fc.nat() }), { minLength: 1, maxLength: 4 }),
    }),
    fc.record(
      {
        _: fc.constant('messages.sendSecret' as const),
        peer: id,
        device_id: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        chat_id: hex16,
        random_id: hex16,
        data: bytes(40, 300),
        ephemeral: fc.boolean(),
      },
      { requiredKeys: ['_', 'peer', 'device_id', 'chat_id', 'random_id', 'data'] },
    ),
    fc.record({ _: fc.constant('rpc_error' as const), req_msg_id: u64, error: fc.record({ code: fc.constantFrom('INTERNAL', 'RATE_LIMITED'), message: fc.string({ maxLength: 100 }) }) }),
  ]
  it('decodeBody(encodeBody(b)) equals b for generated bodies', () => {
    fc.assert(
      fc.property(fc.oneof(...arbitraries), (body) => {
        expect(decodeBody(encodeBody(body))).toEqual(body)
        expect(decodeObject(JSON.parse(new TextDecoder().decode(encodeBody(body))))).toEqual(body)
      }),
      { numRuns: 300 },
    )
  })
})
