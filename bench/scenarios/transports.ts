/**
 * Scenario 8, the transports compared (issue #9): the same editing workload
 * over WebSocket, SSE streaming + POST, long polling, and naive short polling
 * at 1 s, each through Tandem's own client socket class forced to that
 * transport (client/sync/fallback-socket.ts).
 *
 * Two phases per transport, each on a freshly started relay:
 * - busy: one document, writers typing at a steady rate; delivery latency,
 *   TCP bytes (both directions, headers and framing included) and relay CPU
 *   per delivered update;
 * - idle: many documents whose clients only stay connected; relay memory per
 *   client above a baseline, and what staying connected costs in bytes and CPU.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { LoadPool } from '../loadgen/pool.js'
import type { DocPlan } from '../loadgen/messages.js'
import { SHORT_POLL_INTERVAL_MS, type ClientTransport, type WireBytes } from '../loadgen/transports.js'
import { cpuSeconds, rssBytes, startServer, type ServerUnderTest } from '../servers.js'
import { fixed, latencySummary, ratio, table, type Goal, type Section } from '../report.js'
import type { Settings } from '../settings.js'
import { transportsChart } from './transports-chart.js'

/** Writers on the busy document, and each one's rate. */
const BUSY_WRITERS = 5
const BUSY_RATE = 10
/** Clients per idle document. */
const IDLE_CLIENTS_PER_DOC = 5
/** Clients connected and closed on a fresh relay before its baseline memory is read. */
const WARM_CLIENTS = 20
/** Seconds between connecting the idle clients and watching them (sessions settle, the connect burst's garbage is collected). */
const IDLE_SETTLE_MS = 5000

export const TRANSPORT_LABEL: Record<ClientTransport, string> = {
  websocket: 'WebSocket',
  streaming: 'SSE stream + POST',
  polling: 'long polling + POST',
  'short-poll': `short polling (${SHORT_POLL_INTERVAL_MS / 1000} s) + POST`,
}

/** One transport's figures. */
export interface TransportRow {
  transport: ClientTransport
  p50: number
  p99: number
  max: number
  delivered: number
  expected: number
  /** Busy phase: TCP bytes relay -> clients and clients -> relay. */
  busyBytes: WireBytes
  /** Busy phase: relay CPU seconds. */
  busyCpu: number
  /** Idle phase: relay RSS (mean over the watch) minus its baseline, per client, bytes. */
  idleMemoryPerClient: number
  idleBaselineRss: number
  idleClients: number
  idleFailed: number
  /** Idle phase: TCP bytes and relay CPU seconds over the watch. */
  idleBytes: WireBytes
  idleCpu: number
  idleSeconds: number
  generatorCpu: number
  failedClients: number
}

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const minus = (a: WireBytes, b: WireBytes): WireBytes => ({ read: a.read - b.read, written: a.written - b.written })

/** Starts Tandem on a fresh data folder; `run` gets it, then both are cleaned up. */
async function withRelay<T>(run: (server: ServerUnderTest) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
  const server = await startServer('tandem', { dataDir })
  try {
    return await run(server)
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function busyPhase(pool: LoadPool, transport: ClientTransport, settings: Settings) {
  return withRelay(async (server) => {
    const period = 1000 / BUSY_RATE
    const doc: DocPlan = {
      name: `busy-${transport}`,
      clients: settings.transportBusyClients,
      writers: BUSY_WRITERS,
      phases: Array.from({ length: BUSY_WRITERS }, (_, w) => (w / BUSY_WRITERS) * period),
    }
    const { failed } = await pool.connect('tandem', server.port, [doc])
    // Not measured: JIT warm-up of relay and clients at the same rate.
    await pool.run({ cmd: 'rate', periodMs: period, startAt: now() + 100, durationMs: settings.warmupSeconds * 1000, drainMs: 10_000 })
    const cpu0 = cpuSeconds(server.pid)
    const bytes0 = await pool.wireBytes()
    const gen0 = process.cpuUsage()
    const result = await pool.run({ cmd: 'rate', periodMs: period, startAt: now() + 200, durationMs: settings.transportBusySeconds * 1000, drainMs: 10_000 })
    const gen = process.cpuUsage(gen0)
    const busyCpu = cpuSeconds(server.pid) - cpu0
    const busyBytes = minus(await pool.wireBytes(), bytes0)
    await pool.disconnect()
    return {
      ...latencySummary(result.latencies),
      delivered: result.delivered,
      expected: result.expected,
      busyCpu,
      busyBytes,
      generatorCpu: (gen.user + gen.system) / 1e6,
      failedClients: failed,
    }
  })
}

async function idlePhase(pool: LoadPool, transport: ClientTransport, settings: Settings) {
  return withRelay(async (server) => {
    const docs = (prefix: string, clients: number): DocPlan[] =>
      Array.from({ length: Math.ceil(clients / IDLE_CLIENTS_PER_DOC) }, (_, d) => ({
        name: `${prefix}-${transport}-${d}`,
        clients: Math.min(IDLE_CLIENTS_PER_DOC, clients - d * IDLE_CLIENTS_PER_DOC),
        writers: 0,
        phases: [],
      }))
    // The relay's code paths for this transport are loaded before the baseline.
    await pool.connect('tandem', server.port, docs('warm', WARM_CLIENTS))
    await pool.disconnect()
    await sleep(2000)
    const baseline = rssBytes(server.pid)
    const { clients, failed } = await pool.connect('tandem', server.port, docs('idle', settings.transportIdleClients))
    await sleep(IDLE_SETTLE_MS)
    const cpu0 = cpuSeconds(server.pid)
    const bytes0 = await pool.wireBytes()
    const started = now()
    const samples: number[] = []
    while (now() - started < settings.transportIdleSeconds * 1000) {
      await sleep(1000)
      samples.push(rssBytes(server.pid))
    }
    const idleSeconds = (now() - started) / 1000
    const idleCpu = cpuSeconds(server.pid) - cpu0
    const idleBytes = minus(await pool.wireBytes(), bytes0)
    const meanRss = samples.reduce((a, b) => a + b, 0) / samples.length
    await pool.disconnect()
    const connected = clients - failed
    return {
      idleMemoryPerClient: (meanRss - baseline) / connected,
      idleBaselineRss: baseline,
      idleClients: connected,
      idleFailed: failed,
      idleBytes,
      idleCpu,
      idleSeconds,
    }
  })
}

export async function transportsScenario(settings: Settings): Promise<Section> {
  const rows: TransportRow[] = []
  const pool = LoadPool.start(settings.workers)
  try {
    for (const transport of settings.transports) {
      await pool.useTransport(transport)
      process.stderr.write(`scenario 8: ${transport}, busy document\n`)
      const busy = await busyPhase(pool, transport, settings)
      process.stderr.write(`scenario 8: ${transport}, ${settings.transportIdleClients} idle clients\n`)
      const idle = await idlePhase(pool, transport, settings)
      rows.push({ transport, ...busy, ...idle })
    }
  } finally {
    await pool.useTransport(null)
    await pool.stop()
  }

  const svgPath = join(dirname(settings.out), 'transports.svg')
  writeFileSync(svgPath, transportsChart(rows, TRANSPORT_LABEL))
  const ws = rows.find((r) => r.transport === 'websocket')
  const goals: Goal[] = ws
    ? rows
        .filter((r) => r.transport === 'streaming' || r.transport === 'polling')
        .map((r) => ({
          scenario: 8,
          goal: `${TRANSPORT_LABEL[r.transport]}: p99 latency ≤ 2× WebSocket's on loopback`,
          met: r.p99 <= 2 * ws.p99,
          measured: `${fixed(r.p99)} ms vs ${fixed(ws.p99)} ms (${ratio(r.p99, ws.p99)})`,
        }))
    : []

  const perUpdate = (bytes: WireBytes, n: number) => (n > 0 ? (bytes.read + bytes.written) / n : NaN)
  const perMinute = (x: number, r: TransportRow) => (x / r.idleClients / r.idleSeconds) * 60
  const busyTable = table(
    ['transport', 'p50 ms', 'p99 ms', 'p99 vs WebSocket', 'max ms', 'delivered / expected', 'wire bytes per delivered update', 'of which relay → clients', 'relay CPU µs per delivered update', 'generator CPU s', 'failed clients'],
    rows.map((r) => [
      TRANSPORT_LABEL[r.transport], fixed(r.p50), fixed(r.p99), ws ? ratio(r.p99, ws.p99) : 'n/a', fixed(r.max),
      `${r.delivered} / ${r.expected}`, fixed(perUpdate(r.busyBytes, r.delivered), 0), fixed(r.busyBytes.read / r.delivered, 0),
      fixed((r.busyCpu / r.delivered) * 1e6, 0), fixed(r.generatorCpu, 2), r.failedClients,
    ]),
  )
  const idleTable = table(
    ['transport', 'relay memory per idle client KiB', 'relay baseline RSS MiB', 'wire bytes per idle client per minute', 'relay CPU ms per idle client per minute', 'idle clients (failed)'],
    rows.map((r) => [
      TRANSPORT_LABEL[r.transport], fixed(r.idleMemoryPerClient / 1024, 1), fixed(r.idleBaselineRss / 2 ** 20, 0),
      fixed(perMinute(r.idleBytes.read + r.idleBytes.written, r), 0), fixed(perMinute(r.idleCpu * 1000, r), 2), `${r.idleClients} (${r.idleFailed})`,
    ]),
  )
  const busyDeliveries = (settings.transportBusyClients - 1) * BUSY_WRITERS * BUSY_RATE
  return {
    title: '8. Transports compared',
    body:
      `Tandem only, through its own client socket class (client/sync/fallback-socket.ts) forced to each transport; every relay → client frame is the same y-websocket frame. ` +
      `Busy: one document, ${settings.transportBusyClients} clients, ${BUSY_WRITERS} of them writing ${BUSY_RATE} updates/s each (${BUSY_WRITERS * BUSY_RATE} updates/s, ${busyDeliveries} deliveries/s), ` +
      `${settings.warmupSeconds} s unmeasured warm-up, then ${settings.transportBusySeconds} s measured on a fresh relay. ` +
      `Wire bytes are every byte the clients' TCP sockets read and wrote in the measured window (HTTP headers, chunked encoding, SSE text, base64, WebSocket framing, polls that came back empty), divided by deliveries. ` +
      `Idle: a second fresh relay; ${WARM_CLIENTS} clients connect and leave, the relay's RSS is the baseline, then ${settings.transportIdleClients} clients (${IDLE_CLIENTS_PER_DOC} per document) connect, sync and stay silent; ` +
      `after ${IDLE_SETTLE_MS / 1000} s the relay's RSS is sampled each second for ${settings.transportIdleSeconds} s; memory per idle client = (mean RSS − baseline) / clients. ` +
      `Long polls are answered empty after 25 s and streams carry a keep-alive every 15 s, so idle costs need a watch of 30 s or more. ` +
      `The load generator (${settings.workers} worker threads) shares the machine with the relay.\n\n` +
      `![p99 latency, wire bytes and relay CPU per delivered update, and relay memory per idle client, for each transport](transports.svg)\n\n` +
      `**Busy document**\n\n${busyTable}\n\n**Idle clients**\n\n${idleTable}`,
    goals,
  }
}
