/**
 * What the benchmark's main thread (pool.ts) and its load-generator workers
 * (worker.ts) say to each other.
 */
import type { Target } from '../wire.js'
import type { ClientTransport, WireBytes } from './transports.js'

/** One document and the clients that open it. The first `writers` clients write. */
export interface DocPlan {
  name: string
  clients: number
  writers: number
  /** Per writer: its offset in ms within each period, so writers spread over time like real typists. */
  phases: number[]
}

export type Command =
  /** Client i of a document connects to `ports[i % ports.length]` (several relays serving one document). */
  | { cmd: 'connect'; target: Target; ports: number[]; docs: DocPlan[]; concurrency: number }
  /** Every writer types once per `periodMs` from `startAt` (epoch ms) for `durationMs`, then waits up to `drainMs` for deliveries. */
  | { cmd: 'rate'; periodMs: number; startAt: number; durationMs: number; drainMs: number }
  /** Every writer keeps `window` updates in flight for `durationMs` (throughput). */
  | { cmd: 'flood'; window: number; startAt: number; durationMs: number; drainMs: number }
  | { cmd: 'close' }
  /** The transport of the clients connected next (scenario 8; null: plain `ws`). */
  | { cmd: 'transport'; transport: ClientTransport | null }
  /** Bytes on the wire of the transport clients so far. */
  | { cmd: 'wire' }

export interface RunResult {
  /** Updates written. */
  sent: number
  /** Deliveries owed: each update to every other client of its document. */
  expected: number
  /** Deliveries that arrived (before the drain timeout). */
  delivered: number
  /** Live updates that matched nothing sent (should be 0). */
  unexpected: number
  /** Flood mode: updates that reached every reader within the window. */
  completed: number
  /** Delivery latency of each delivery, in ms. */
  latencies: Float64Array
  /** Per delivery in `latencies`: 1 when the reader was connected to another port (relay) than the writer. */
  crossed: Uint8Array
}

export type Reply =
  | { type: 'connected'; clients: number; failed: number }
  | { type: 'result'; result: RunResult }
  | { type: 'closed' }
  | { type: 'transport-set' }
  | { type: 'wire'; bytes: WireBytes }
  | { type: 'error'; message: string }
