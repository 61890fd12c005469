/**
 * Baseline 2: a raw `ws` relay — each pair's two sockets forward every binary message to each
 * other; nothing else. Started by `bench/relay/index.ts` as its own process; prints `READY <url>`.
 */
import { forward, startPairRelay } from './ws-pairs.js'

startPairRelay((_pair, from, data, members) => forward(from, data, members))
process.on('SIGTERM', () => process.exit(0))
