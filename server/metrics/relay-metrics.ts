/**
 * The metrics the relay core records (HTTP, storage, logins, process). The gateway adds its own
 * (connections, frames in/out, rejected frames by code, delivery latency) to the same registry.
 * @module
 */
import { Registry, type Counter, type Gauge, type Histogram } from './registry.js'

/** Handles to the relay core's metrics. */
export interface RelayMetrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  messagesStored: Counter<'kind'>
  logins: Counter<'method' | 'result'>
  commitBatchSize: Histogram
  commitDuration: Histogram
  auditEvents: Counter<'event'>
  uptime: Gauge
}

/** Registers the relay core's metrics on `registry`. */
export function createRelayMetrics(registry = new Registry()): RelayMetrics {
  const started = Date.now()
  registry.gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident set size of the relay process.',
    collect: (g) => g.set(undefined, process.memoryUsage.rss()),
  })
  registry.gauge({
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use.',
    collect: (g) => g.set(undefined, process.memoryUsage().heapUsed),
  })
  return {
    registry,
    uptime: registry.gauge({ name: 'mt_uptime_seconds', help: 'Seconds since the relay started.', collect: (g) => g.set(undefined, (Date.now() - started) / 1000) }),
    httpRequests: registry.counter({ name: 'mt_http_requests_total', help: 'HTTP requests by route template and status.', labels: ['method', 'route', 'status'] }),
    httpDuration: registry.histogram({ name: 'mt_http_request_duration_seconds', help: 'HTTP request duration.', labels: ['method', 'route'] }),
    messagesStored: registry.counter({ name: 'mt_messages_stored_total', help: 'Messages committed to storage (cloud messages and secret envelopes).', labels: ['kind'] }),
    logins: registry.counter({ name: 'mt_logins_total', help: 'Sign-in attempts by method and result.', labels: ['method', 'result'] }),
    commitBatchSize: registry.histogram({ name: 'mt_store_commit_batch_size', help: 'Operations per group-commit transaction.', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] }),
    commitDuration: registry.histogram({ name: 'mt_store_commit_duration_seconds', help: 'Duration of a group-commit transaction.' }),
    auditEvents: registry.counter({ name: 'mt_audit_events_total', help: 'Audit log events by type.', labels: ['event'] }),
  }
}
