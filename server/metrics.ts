/**
 * Prometheus metrics (prom-client) for GET /metrics. The relay core never
 * imports this: connections report through a ConnectionObserver and the store
 * is wrapped, so counting stays at the edges.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { ConnectionObserver } from './relay/connection.js'
import type { DocStore } from './store/store.js'
import { MessageType, SyncType } from '../shared/protocol.js'

/** What the metrics read from the running relay when scraped. */
export interface MetricSources {
  connections(): number
  documentsInMemory(): number
}

/** True for a SYNC STEP2 or UPDATE frame: one that carries a document update. */
function carriesUpdate(frame: Uint8Array): boolean {
  return frame[0] === MessageType.SYNC && (frame[1] === SyncType.STEP2 || frame[1] === SyncType.UPDATE)
}

/** One relay's metrics in their own registry (tests run several relays in one process). */
export class RelayMetrics {
  readonly registry = new Registry()
  private readonly updatesReceived: Counter
  private readonly updatesRelayed: Counter
  private readonly bytesIn: Counter
  private readonly bytesOut: Counter
  private readonly commitSeconds: Histogram
  private readonly refusals: Counter<'code'>

  constructor(sources: MetricSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'tandem_' })
    new Gauge({ name: 'tandem_connections', help: 'Open connections (WebSockets and HTTP fallback sessions)', registers, collect() { this.set(sources.connections()) } })
    new Gauge({ name: 'tandem_documents_in_memory', help: 'Documents loaded (or loading) in memory', registers, collect() { this.set(sources.documentsInMemory()) } })
    this.updatesReceived = new Counter({ name: 'tandem_updates_received_total', help: 'Document updates (sync step 2 and update frames) received from clients', registers })
    this.updatesRelayed = new Counter({ name: 'tandem_updates_relayed_total', help: 'Document updates sent to clients', registers })
    this.bytesIn = new Counter({ name: 'tandem_bytes_received_total', help: 'WebSocket payload bytes received', registers })
    this.bytesOut = new Counter({ name: 'tandem_bytes_sent_total', help: 'WebSocket payload bytes sent', registers })
    this.commitSeconds = new Histogram({
      name: 'tandem_store_commit_seconds',
      help: 'Time from handing an update to the store until it is committed',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    })
    this.refusals = new Counter({
      name: 'tandem_refusals_total',
      help: 'Connections refused or closed by the relay, by WebSocket close code or HTTP status',
      labelNames: ['code'],
      registers,
    })
  }

  /** Counts one connection's traffic and the closes the relay initiates. */
  readonly observer: ConnectionObserver = {
    received: (frame) => {
      this.bytesIn.inc(frame.byteLength)
      if (carriesUpdate(frame)) this.updatesReceived.inc()
    },
    sent: (frame) => {
      this.bytesOut.inc(frame.byteLength)
      if (carriesUpdate(frame)) this.updatesRelayed.inc()
    },
    closedByRelay: (code) => this.refused(code),
  }

  /** Counts a refusal (a close code, or the HTTP status of a refused upgrade). */
  refused(code: number): void {
    this.refusals.inc({ code: String(code) })
  }

  /**
   * Wraps `store` so that every append's commit latency is observed. Every
   * other method is forwarded as is, including ones added to DocStore later.
   */
  meterStore(store: DocStore): DocStore {
    const histogram = this.commitSeconds
    const append = async (name: string, update: Uint8Array): Promise<void> => {
      const end = histogram.startTimer()
      try {
        await store.append(name, update)
      } finally {
        end()
      }
    }
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'append') return append
        const value = Reflect.get(target, prop, target) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  }
}
