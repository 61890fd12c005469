/**
 * The gateway's metrics (issue 4, "/metrics"): connections, frames in and out, rejected frames by
 * code, RPC calls by method and result, slow-consumer and rate-limit closes, delivery latency.
 * Registered on the relay core's registry so `/metrics` shows them next to its own.
 * @module
 */
import type { Counter, Gauge, Histogram, Registry } from '../metrics/registry.js'

/** Per-transport frame counts kept as plain numbers on the hot path, folded into the counters at scrape time. */
export interface Traffic {
  framesIn: number
  bytesIn: number
  framesOut: number
  bytesOut: number
}

/** Handles to the gateway's metrics. */
export interface GatewayMetrics {
  /** Hot-path counts by transport (see {@link Traffic}). */
  traffic: Record<'ws' | 'poll', Traffic>
  /** Successful RPCs by method, kept as plain numbers and folded into `rpc` at scrape time like {@link Traffic}. */
  rpcOk: Map<string, number>
  connections: Gauge<'transport'>
  connectionsTotal: Counter<'transport'>
  closes: Counter<'code'>
  framesIn: Counter<'transport'>
  framesOut: Counter<'transport'>
  bytesIn: Counter<'transport'>
  bytesOut: Counter<'transport'>
  rejected: Counter<'code'>
  rpc: Counter<'method' | 'result'>
  rpcDuration: Histogram<'method'>
  pushes: Counter
  deliveryLatency: Histogram
  handshakeDuration: Histogram
}

const zero = (): Traffic => ({ framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0 })

/** Registers the gateway's metrics on `registry` (idempotent: a second call returns the same ones). */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const traffic = { ws: zero(), poll: zero() }
  // Registered before the counters it feeds, so a scrape folds the hot-path counts in first.
  registry.gauge({
    name: 'mtchat_gateway_info',
    help: 'Always 1; scraping it folds the gateway’s per-frame and per-RPC counts into their counters.',
    collect: (g) => {
      for (const transport of ['ws', 'poll'] as const) {
        const t = traffic[transport]
        if (t.framesIn) m.framesIn.inc({ transport }, t.framesIn)
        if (t.bytesIn) m.bytesIn.inc({ transport }, t.bytesIn)
        if (t.framesOut) m.framesOut.inc({ transport }, t.framesOut)
        if (t.bytesOut) m.bytesOut.inc({ transport }, t.bytesOut)
        Object.assign(t, zero())
      }
      for (const [method, n] of m.rpcOk) if (n) m.rpc.inc({ method, result: 'ok' }, n)
      m.rpcOk.clear()
      g.set(undefined, 1)
    },
  })
  const m: GatewayMetrics = {
    traffic,
    rpcOk: new Map(),
    connections: registry.gauge({ name: 'mtchat_connections', help: 'Open gateway connections (WebSocket and long-polling sessions).', labels: ['transport'] }),
    connectionsTotal: registry.counter({ name: 'mtchat_connections_total', help: 'Gateway connections accepted.', labels: ['transport'] }),
    closes: registry.counter({ name: 'mtchat_connection_closes_total', help: 'Gateway connections closed, by close code.', labels: ['code'] }),
    framesIn: registry.counter({ name: 'mtchat_frames_in_total', help: 'Frames received.', labels: ['transport'] }),
    framesOut: registry.counter({ name: 'mtchat_frames_out_total', help: 'Frames sent.', labels: ['transport'] }),
    bytesIn: registry.counter({ name: 'mtchat_bytes_in_total', help: 'Frame bytes received.', labels: ['transport'] }),
    bytesOut: registry.counter({ name: 'mtchat_bytes_out_total', help: 'Frame bytes sent.', labels: ['transport'] }),
    rejected: registry.counter({ name: 'mtchat_frames_rejected_total', help: 'Frames rejected by the layer-1 checks (docs/PROTOCOL.md §2.4), by error code.', labels: ['code'] }),
    rpc: registry.counter({ name: 'mtchat_rpc_total', help: 'RPC requests by method and result (ok or error code).', labels: ['method', 'result'] }),
    rpcDuration: registry.histogram({ name: 'mtchat_rpc_duration_seconds', help: 'Time from an accepted request to its answer.', labels: ['method'] }),
    pushes: registry.counter({ name: 'mtchat_updates_pushed_total', help: 'Updates pushed to connected sessions.' }),
    deliveryLatency: registry.histogram({
      name: 'mtchat_delivery_latency_seconds',
      help: 'Time from a cloud message being stored to its updates frame being written to the recipient.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    handshakeDuration: registry.histogram({ name: 'mtchat_handshake_duration_seconds', help: 'Time spent answering hs_init.', buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025] }),
  }
  return m
}
