// Small transport pieces: the WebSocket URL, the long-poll body codec (property-tested) and the
// reconnect backoff bounds.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../../sdk/transport/backoff.js'
import { decodePollBody, encodePollBody } from '../../../sdk/protocol/poll-body.js'
import { webSocketUrl } from '../../../sdk/transport/websocket.js'

describe('webSocketUrl', () => {
  it('maps http(s) to ws(s) and appends /v1/ws', () => {
    expect(webSocketUrl('http://relay.test:8080')).toBe('ws://relay.test:8080/v1/ws')
    expect(webSocketUrl('https://chat.example.com/mt/')).toBe('wss://chat.example.com/mt/v1/ws')
    expect(webSocketUrl('wss://x.test?a=1#h')).toBe('wss://x.test/v1/ws')
  })
})

describe('long-poll body (docs/PROTOCOL.md §2.8)', () => {
  it('round-trips any list of non-empty frames', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }), (frames) => {
        expect(decodePollBody(encodePollBody(frames))).toEqual(frames)
      }),
    )
  })

  it('refuses lengths that do not add up with SCHEMA_INVALID', () => {
    const body = encodePollBody([new Uint8Array([1, 2, 3])])
    expect(() => decodePollBody(body.subarray(0, 6))).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    expect(() => decodePollBody(new Uint8Array([0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    expect(() => decodePollBody(new Uint8Array([1, 0]))).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
  })
})

describe('backoffDelay', () => {
  it('grows exponentially with full jitter, capped, never zero', () => {
    const o = { baseMs: 100, maxMs: 5000 }
    expect(backoffDelay(0, o, () => 0)).toBe(10)
    expect(backoffDelay(0, o, () => 0.999999)).toBe(100)
    expect(backoffDelay(3, o, () => 0.999999)).toBe(800)
    expect(backoffDelay(20, o, () => 0.999999)).toBe(5000)
    fc.assert(
      fc.property(fc.nat(60), fc.double({ min: 0, max: 0.9999, noNaN: true }), (n, r) => {
        const d = backoffDelay(n, o, () => r)
        expect(d).toBeGreaterThan(0)
        expect(d).toBeLessThanOrEqual(5000)
      }),
    )
  })
})
