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
import { freePort } from '../../test/helpers/services.js'
import { openInspector } from '../inspector.js'
import { fixed, latencySummary, ratio, table, type Goal, type Section } from '../report.js'
import type { Settings } from '../settings.js'
import { transportsChart } from './transports-chart.js'

/** Writers on the busy document, and each one's rate. */
const BUSY_WRITERS = 4
const BUSY_RATE = 5
/** Clients per idle document. */
const IDLE_CLIENTS_PER_DOC = 5
/** Clients connected to a fresh relay before its baseline memory is read. */
const WARM_CLIENTS = 20
/** The busy documents are measured in turns of this long. */
const ROUND_MS = 5000
/** Idle clients connect in this many steps; RSS is read after each. */
const IDLE_STEPS = 5
/** Wait after each step before reading RSS (sessions settle, the connect burst's garbage is collected). */
const IDLE_STEP_SETTLE_MS = 2000
/** RSS samples (a second apart) averaged per step. */
const RSS_SAMPLES = 3
/** Before the first point, RSS must change by less than this between readings (or this long must pass). */
const RSS_QUIET_BYTES = 512 * 1024
const RSS_QUIET_MIN_MS = 30_000
const RSS_QUIET_MAX_MS = 60_000

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
  /** Idle phase: the same slope for the JavaScript heap in use after a full collection, bytes. */
  idleHeapPerClient: number
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
async function withRelay<T>(nodeFlags: string[], run: (server: ServerUnderTest) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
  const server = await startServer('tandem', { dataDir, nodeFlags })
  try {
    return await run(server)
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** One transport's busy document: its own relay and its own load-generator worker. */
interface BusySetup {
  transport: ClientTransport
  server: ServerUnderTest
  dataDir: string
  pool: LoadPool
  failed: number
}

type BusyFigures = Pick<TransportRow, 'p50' | 'p99' | 'max' | 'delivered' | 'expected' | 'busyBytes' | 'busyCpu' | 'generatorCpu' | 'failedClients'>

/**
 * Every transport's busy document at once, each on its own relay, measured in
 * turns of ROUND_MS: on a machine others share, a burst of foreign load then
 * lands on every transport's figures alike instead of on whichever ran then.
 */
async function busyPhase(settings: Settings): Promise<Map<ClientTransport, BusyFigures>> {
  const period = 1000 / BUSY_RATE
  const setups: BusySetup[] = []
  const figures = new Map<ClientTransport, BusyFigures>()
  try {
    for (const transport of settings.transports) {
      const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
      const server = await startServer('tandem', { dataDir })
      const pool = LoadPool.start(1)
      setups.push({ transport, server, dataDir, pool, failed: 0 })
      await pool.useTransport(transport)
      const doc: DocPlan = {
        name: `busy-${transport}`,
        clients: settings.transportBusyClients,
        writers: BUSY_WRITERS,
        phases: Array.from({ length: BUSY_WRITERS }, (_, w) => (w / BUSY_WRITERS) * period),
      }
      setups[setups.length - 1]!.failed = (await pool.connect('tandem', server.port, [doc])).failed
      // Not measured: JIT warm-up of relay and clients at the same rate.
      await pool.run({ cmd: 'rate', periodMs: period, startAt: now() + 100, durationMs: settings.warmupSeconds * 1000, drainMs: 10_000 })
    }
    const rounds = Math.max(1, Math.round((settings.transportBusySeconds * 1000) / ROUND_MS))
    const latencies = new Map<ClientTransport, Float64Array[]>()
    for (let round = 0; round < rounds; round++) {
      for (const { transport, server, pool, failed } of setups) {
        const cpu0 = cpuSeconds(server.pid)
        const bytes0 = await pool.wireBytes()
        const gen0 = process.cpuUsage()
        const durationMs = (settings.transportBusySeconds * 1000) / rounds
        const result = await pool.run({ cmd: 'rate', periodMs: period, startAt: now() + 100, durationMs, drainMs: 10_000 })
        const gen = process.cpuUsage(gen0)
        const cpu = cpuSeconds(server.pid) - cpu0
        const bytes = minus(await pool.wireBytes(), bytes0)
        const sum = figures.get(transport) ?? { p50: NaN, p99: NaN, max: NaN, delivered: 0, expected: 0, busyBytes: { read: 0, written: 0 }, busyCpu: 0, generatorCpu: 0, failedClients: failed }
        sum.delivered += result.delivered
        sum.expected += result.expected
        sum.busyBytes = { read: sum.busyBytes.read + bytes.read, written: sum.busyBytes.written + bytes.written }
        sum.busyCpu += cpu
        sum.generatorCpu += (gen.user + gen.system) / 1e6
        figures.set(transport, sum)
        latencies.set(transport, [...(latencies.get(transport) ?? []), result.latencies])
      }
    }
    for (const [transport, parts] of latencies) {
      const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0))
      parts.reduce((at, p) => (all.set(p, at), at + p.length), 0)
      Object.assign(figures.get(transport)!, latencySummary(all))
    }
    return figures
  } finally {
    for (const { server, dataDir, pool } of setups) {
      await pool.stop()
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length
  const mx = points.reduce((a, [x]) => a + x, 0) / n
  const my = points.reduce((a, [, y]) => a + y, 0) / n
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0)
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0)
  return sxx > 0 ? sxy / sxx : NaN
}

/** Mean RSS of `pid` over `count` samples a second apart. */
async function meanRss(pid: number, count: number): Promise<number> {
  let total = 0
  for (let i = 0; i < count; i++) {
    await sleep(1000)
    total += rssBytes(pid)
  }
  return total / count
}

async function idlePhase(pool: LoadPool, transport: ClientTransport, settings: Settings) {
  const inspectPort = await freePort()
  return withRelay([`--inspect=127.0.0.1:${inspectPort}`], async (server) => {
    const inspector = await openInspector(inspectPort)
    /** The relay's memory after a full collection: RSS (mean of a few samples) and JavaScript heap in use. */
    const memory = async (): Promise<{ rss: number; heap: number }> => {
      await inspector.collectGarbage()
      await inspector.collectGarbage()
      const heap = await inspector.heapUsed()
      return { rss: await meanRss(server.pid, RSS_SAMPLES), heap }
    }
    const docs = (prefix: string, clients: number): DocPlan[] =>
      Array.from({ length: Math.ceil(clients / IDLE_CLIENTS_PER_DOC) }, (_, d) => ({
        name: `${prefix}-${transport}-${d}`,
        clients: Math.min(IDLE_CLIENTS_PER_DOC, clients - d * IDLE_CLIENTS_PER_DOC),
        writers: 0,
        phases: [],
      }))
    // The relay's code paths for this transport are loaded before the first point. The warm
    // clients stay: a document left by its last client is unloaded 30 s later (UNLOAD_GRACE_MS),
    // and the memory that frees would land in the middle of the steps.
    await pool.connect('tandem', server.port, docs('warm', WARM_CLIENTS))
    // RSS against clients connected, in steps: the slope is what one more idle
    // client costs, and the heap's slack at any one point matters less.
    // A fresh process hands startup memory back some 20 s in (seen as a 10-15 MiB drop in RSS,
    // not in the heap): collect for RSS_QUIET_MIN_MS, then until RSS holds still.
    for (let last = Infinity, start = now(); now() - start < RSS_QUIET_MAX_MS; ) {
      const { rss } = await memory()
      if (now() - start >= RSS_QUIET_MIN_MS && Math.abs(rss - last) < RSS_QUIET_BYTES) break
      last = rss
    }
    const first = await memory()
    const points: Array<[number, number]> = [[0, first.rss]]
    const heapPoints: Array<[number, number]> = [[0, first.heap]]
    let clients = 0
    let failed = 0
    for (let step = 1; step <= IDLE_STEPS; step++) {
      const add = Math.round((settings.transportIdleClients * step) / IDLE_STEPS) - Math.round((settings.transportIdleClients * (step - 1)) / IDLE_STEPS)
      const done = await pool.connect('tandem', server.port, docs(`idle${step}`, add))
      clients += done.clients
      failed += done.failed
      await sleep(IDLE_STEP_SETTLE_MS)
      const point = await memory()
      points.push([clients - failed, point.rss])
      heapPoints.push([clients - failed, point.heap])
    }
    const cpu0 = cpuSeconds(server.pid)
    const bytes0 = await pool.wireBytes()
    const started = now()
    await sleep(settings.transportIdleSeconds * 1000)
    const idleSeconds = (now() - started) / 1000
    const idleCpu = cpuSeconds(server.pid) - cpu0
    const idleBytes = minus(await pool.wireBytes(), bytes0)
    await pool.disconnect()
    inspector.close()
    process.stderr.write(`  ${transport}: clients, RSS MiB, heap MiB: ${points.map(([n, rss], i) => `${n} ${(rss / 2 ** 20).toFixed(1)} ${(heapPoints[i]![1] / 2 ** 20).toFixed(1)}`).join('; ')}\n`)
    return {
      idleMemoryPerClient: slope(points),
      idleHeapPerClient: slope(heapPoints),
      idleBaselineRss: points[0]![1],
      idleClients: clients - failed,
      idleFailed: failed,
      idleBytes,
      idleCpu,
      idleSeconds,
    }
  })
}

export async function transportsScenario(settings: Settings): Promise<Section> {
  process.stderr.write(`scenario 8: busy document, ${settings.transports.join(', ')} in turns\n`)
  const busy = await busyPhase(settings)
  const rows: TransportRow[] = []
  const pool = LoadPool.start(settings.workers)
  try {
    for (const transport of settings.transports) {
      process.stderr.write(`scenario 8: ${transport}, ${settings.transportIdleClients} idle clients\n`)
      await pool.useTransport(transport)
      const idle = await idlePhase(pool, transport, settings)
      rows.push({ transport, ...busy.get(transport)!, ...idle })
    }
  } finally {
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
    ['transport', 'relay RSS per idle client KiB', 'of which JS heap KiB', 'relay RSS before MiB', 'wire bytes per idle client per minute', 'relay CPU ms per idle client per minute', 'idle clients (failed)'],
    rows.map((r) => [
      TRANSPORT_LABEL[r.transport], fixed(r.idleMemoryPerClient / 1024, 1), fixed(r.idleHeapPerClient / 1024, 1), fixed(r.idleBaselineRss / 2 ** 20, 0),
      fixed(perMinute(r.idleBytes.read + r.idleBytes.written, r), 0), fixed(perMinute(r.idleCpu * 1000, r), 2), `${r.idleClients} (${r.idleFailed})`,
    ]),
  )
  const busyDeliveries = (settings.transportBusyClients - 1) * BUSY_WRITERS * BUSY_RATE
  return {
    title: '8. Transports compared',
    body:
      `Tandem only, through its own client socket class (client/sync/fallback-socket.ts) forced to each transport; every relay → client frame is the same y-websocket frame. ` +
      `Busy: one document, ${settings.transportBusyClients} clients, ${BUSY_WRITERS} of them writing ${BUSY_RATE} updates/s each (${BUSY_WRITERS * BUSY_RATE} updates/s, ${busyDeliveries} deliveries/s). ` +
      `Each transport has its own relay and load-generator worker; after ${settings.warmupSeconds} s unmeasured warm-up each, the four are measured in turns of ${ROUND_MS / 1000} s until each has ${settings.transportBusySeconds} s, so load from others sharing the machine falls on all of them alike. ` +
      `Wire bytes are every byte the clients' TCP sockets read and wrote in the measured windows (HTTP headers, chunked encoding, SSE text, base64, WebSocket framing, polls that came back empty), divided by deliveries; relay CPU is the relay process's user + system time in the same windows. ` +
      `Idle: one fresh relay per transport; ${WARM_CLIENTS} clients connect and stay (part of the baseline), the relay is left to settle (full collections and RSS readings for ${RSS_QUIET_MIN_MS / 1000} s, then until two readings are within ${RSS_QUIET_BYTES / 1024} KiB, at most ${RSS_QUIET_MAX_MS / 1000} s: a fresh Node process hands 10-15 MiB back some 20 s in), then ${settings.transportIdleClients} clients (${IDLE_CLIENTS_PER_DOC} per document) connect in ${IDLE_STEPS} steps, sync and stay silent; ` +
      `${IDLE_STEP_SETTLE_MS / 1000} s after each step the relay (started with --inspect) does two full garbage collections, then its JavaScript heap in use and its RSS (mean of ${RSS_SAMPLES} samples a second apart) are read; memory per idle client is the least-squares slope of each against clients connected. ` +
      `Then the ${settings.transportIdleClients} idle clients are watched for ${settings.transportIdleSeconds} s for their bytes and relay CPU. ` +
      `Long polls are answered empty after 25 s and streams carry a keep-alive every 15 s, so idle costs need a watch of 30 s or more. ` +
      `The load generator (${settings.workers} worker threads) shares the machine with the relay.\n\n` +
      `![p99 latency, wire bytes and relay CPU per delivered update, and relay memory per idle client, for each transport](transports.svg)\n\n` +
      `**Busy document**\n\n${busyTable}\n\n**Idle clients**\n\n${idleTable}`,
    goals,
  }
}
