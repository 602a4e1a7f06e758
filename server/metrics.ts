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
  /** Bytes of accepted updates the store has not committed yet. */
  unsavedBytes?(): number
}

/** True for a SYNC STEP2 or UPDATE frame: one that carries a document update. */
function carriesUpdate(frame: Uint8Array): boolean {
  return frame[0] === MessageType.SYNC && (frame[1] === SyncType.STEP2 || frame[1] === SyncType.UPDATE)
}

/** One relay's metrics in their own registry (tests run several relays in one process). */
export class RelayMetrics {
  readonly registry = new Registry()
  /**
   * Traffic tallies, handed to their counters when scraped. The observer runs
   * for every frame in and out (about 10,000 a second in one busy room), and
   * a plain addition costs far less than prom-client's per-call label hashing.
   */
  private readonly traffic = { updatesReceived: 0, updatesRelayed: 0, bytesIn: 0, bytesOut: 0 }
  private readonly commitSeconds: Histogram
  private readonly refusals: Counter<'code'>

  constructor(sources: MetricSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'tandem_' })
    new Gauge({ name: 'tandem_connections', help: 'Open connections (WebSockets and HTTP fallback sessions)', registers, collect() { this.set(sources.connections()) } })
    new Gauge({ name: 'tandem_documents_in_memory', help: 'Documents loaded (or loading) in memory', registers, collect() { this.set(sources.documentsInMemory()) } })
    new Gauge({ name: 'tandem_unsaved_bytes', help: 'Bytes of accepted updates waiting for the store to commit them (capped by MAX_UNSAVED_BYTES)', registers, collect() { this.set(sources.unsavedBytes?.() ?? 0) } })
    const traffic = this.traffic
    const tally = (name: string, help: string, key: keyof typeof traffic) =>
      new Counter({
        name, help, registers,
        collect() {
          this.inc(traffic[key])
          traffic[key] = 0
        },
      })
    tally('tandem_updates_received_total', 'Document updates (sync step 2 and update frames) received from clients', 'updatesReceived')
    tally('tandem_updates_relayed_total', 'Document updates sent to clients', 'updatesRelayed')
    tally('tandem_bytes_received_total', 'WebSocket payload bytes received', 'bytesIn')
    tally('tandem_bytes_sent_total', 'WebSocket payload bytes sent', 'bytesOut')
    this.commitSeconds = new Histogram({
      name: 'tandem_store_commit_seconds',
      help: 'Time from handing an update to the store until it is committed, once per group commit (its first update)',
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
      this.traffic.bytesIn += frame.byteLength
      if (carriesUpdate(frame)) this.traffic.updatesReceived += 1
    },
    sent: (frame) => {
      this.traffic.bytesOut += frame.byteLength
      if (carriesUpdate(frame)) this.traffic.updatesRelayed += 1
    },
    closedByRelay: (code) => this.refused(code),
  }

  /** Counts a refusal (a close code, or the HTTP status of a refused upgrade). */
  refused(code: number): void {
    this.refusals.inc({ code: String(code) })
  }

  /**
   * Wraps `store` so that commit latency is observed. Every other method is
   * forwarded as is, including ones added to DocStore later. The appends of
   * one group commit share its promise, so it is timed once, from its first
   * append (the longest wait in it): no timer, promise or async frame per
   * update on the relay's busiest path.
   */
  meterStore(store: DocStore): DocStore {
    const histogram = this.commitSeconds
    let timed: Promise<void> | null = null
    const append = (name: string, update: Uint8Array): Promise<void> => {
      const commit = store.append(name, update)
      if (commit !== timed) {
        timed = commit
        const end = histogram.startTimer()
        commit.then(
          () => void end(),
          () => void end(),
        )
      }
      return commit
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
