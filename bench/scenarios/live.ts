/**
 * Live editing at a steady rate (scenarios 1 and 2): documents with a few
 * writers and many readers, each writer typing one character per period at
 * its own phase, so writers spread over time as real typists do. Measures
 * each delivery's latency, the server's CPU during the run, its peak memory,
 * and the generator's own CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LoadPool } from '../loadgen/pool.js'
import type { DocPlan } from '../loadgen/messages.js'
import { cpuTimes, peakRssBytes, startServer } from '../servers.js'
import { latencySummary, pooledSamples } from '../report.js'
import { addTicks, hostTicks, ticksBetween, type HostTicks } from '../host-cpu.js'
import type { Target } from '../wire.js'

export interface LiveSpec {
  docs: number
  clientsPerDoc: number
  writersPerDoc: number
  /** Updates per second of each writer. */
  rate: number
  durationMs: number
  /** An unmeasured run at the same rate first, for JIT warm-up. */
  warmupMs: number
  /** Worker threads of the load generator. */
  workers: number
}

/** One server's figures in a live scenario. */
export interface LiveRow {
  target: Target
  p50: number
  p99: number
  max: number
  /** Server CPU seconds during the run. */
  cpu: number
  /** Of `cpu`, the seconds spent in the kernel (system time). */
  kernelCpu: number
  /** Server peak RSS, bytes. */
  rss: number
  delivered: number
  expected: number
  /** Load generator CPU seconds during the run (all its threads). */
  generatorCpu: number
  connectSeconds: number
  failedClients: number
  /** The machine's CPU ticks during the measured run, and those the hypervisor took. */
  host: HostTicks
  /** Deliveries whose reader was on the writer's server, and on another one (several servers only). */
  sameServer: { p50: number; p99: number; max: number; n: number }
  crossServer: { p50: number; p99: number; max: number; n: number }
}

/** The documents of `spec`, writers' phases spread evenly over one period. */
export function plans(spec: LiveSpec, prefix: string): DocPlan[] {
  const period = 1000 / spec.rate
  const totalWriters = spec.docs * spec.writersPerDoc
  return Array.from({ length: spec.docs }, (_, d) => ({
    name: `${prefix}-${d}`,
    clients: spec.clientsPerDoc,
    writers: spec.writersPerDoc,
    phases: Array.from({ length: spec.writersPerDoc }, (_, w) => ((d * spec.writersPerDoc + w) / totalWriters) * period),
  }))
}

/** Every delivery of a run: its latency, and whether it crossed servers (1) or not (0). */
export interface LiveSamples {
  latencies: Float64Array
  crossed: Uint8Array
}

/**
 * One row from several runs: deliveries pooled (percentiles over all of
 * them), counts and CPU summed, the highest peak RSS (the last one's when
 * the runs shared a server, whose peak only grows).
 */
export function mergeLiveRows(rows: Array<LiveRow & LiveSamples>): LiveRow {
  const latencies = pooledSamples(rows.map((r) => r.latencies))
  const crossed = pooledSamples(rows.map((r) => r.crossed))
  const sum = (key: 'cpu' | 'kernelCpu' | 'delivered' | 'expected' | 'generatorCpu' | 'connectSeconds' | 'failedClients') => rows.reduce((n, r) => n + r[key], 0)
  return {
    target: rows[0]!.target,
    ...latencySummary(latencies),
    cpu: sum('cpu'),
    kernelCpu: sum('kernelCpu'),
    rss: Math.max(...rows.map((r) => r.rss)),
    delivered: sum('delivered'),
    expected: sum('expected'),
    generatorCpu: sum('generatorCpu'),
    connectSeconds: sum('connectSeconds'),
    failedClients: sum('failedClients'),
    host: addTicks(rows.map((r) => r.host)),
    sameServer: summaryWhere(latencies, crossed, 0),
    crossServer: summaryWhere(latencies, crossed, 1),
  }
}

/** Runs `spec` against a fresh `target` server. */
export async function runLive(target: Target, spec: LiveSpec, nodeFlags: string[] = []): Promise<LiveRow & LiveSamples> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
  const server = await startServer(target, { dataDir, nodeFlags })
  try {
    return await measureLive(target, [server.port], [server.pid], spec)
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/**
 * Runs `spec` against servers already running: client i of each document on
 * `ports[i % ports.length]`. CPU and peak RSS are summed over `pids` (every
 * process serving the clients). The load generator is `reuse` when given (its
 * workers' code already warm from earlier runs, left running), or else a new
 * one for this run.
 */
export async function measureLive(target: Target, ports: number[], pids: number[], spec: LiveSpec, reuse?: LoadPool): Promise<LiveRow & LiveSamples> {
  const pool = reuse ?? LoadPool.start(spec.workers)
  const cpuOf = () =>
    pids.reduce(
      (sum, pid) => {
        const { user, system } = cpuTimes(pid)
        return { user: sum.user + user, system: sum.system + system }
      },
      { user: 0, system: 0 },
    )
  try {
    const connectStart = performance.now()
    const { failed } = await pool.connect(target, ports, plans(spec, `live-${Date.now().toString(36)}`))
    const connectSeconds = (performance.now() - connectStart) / 1000
    // Not measured: the first seconds of any Node server are JIT warm-up.
    if (spec.warmupMs > 0) await pool.run({ cmd: 'rate', periodMs: 1000 / spec.rate, startAt: performance.timeOrigin + performance.now() + 100, durationMs: spec.warmupMs, drainMs: 10_000 })
    const cpu0 = cpuOf()
    const gen0 = process.cpuUsage()
    const host0 = hostTicks()
    const result = await pool.run({
      cmd: 'rate',
      periodMs: 1000 / spec.rate,
      startAt: performance.timeOrigin + performance.now() + 200,
      durationMs: spec.durationMs,
      drainMs: 10_000,
    })
    const cpu1 = cpuOf()
    const gen = process.cpuUsage(gen0)
    const host = ticksBetween(host0, hostTicks())
    const rss = pids.reduce((sum, pid) => sum + peakRssBytes(pid), 0)
    await pool.disconnect()
    return {
      target,
      ...latencySummary(result.latencies),
      cpu: cpu1.user + cpu1.system - (cpu0.user + cpu0.system),
      kernelCpu: cpu1.system - cpu0.system,
      rss,
      delivered: result.delivered,
      expected: result.expected,
      generatorCpu: (gen.user + gen.system) / 1e6,
      connectSeconds,
      failedClients: failed,
      host,
      sameServer: summaryWhere(result.latencies, result.crossed, 0),
      crossServer: summaryWhere(result.latencies, result.crossed, 1),
      latencies: result.latencies,
      crossed: result.crossed,
    }
  } finally {
    if (!reuse) await pool.stop()
  }
}

/** Servers measured together in `measureInRounds`: the target's protocol, its ports and the processes serving them. */
export interface LiveSetup<K extends string> {
  key: K
  target: Target
  ports: number[]
  pids: number[]
}

/**
 * Measures every setup in `rounds` short rounds of `spec` each, interleaved
 * (A B C, then C B A, ...), with all setups up throughout and one load
 * generator for every round. The load other work puts on this shared machine
 * (and the host's steal) changes by the minute; interleaving spreads it over
 * every setup alike, where measuring one setup after the other let a burst
 * land on one of them only. A new generator per round would run its workers'
 * code cold for each round's first half second, so it is started once. Each
 * round is a fresh document; the first round of each setup has `spec`'s warm-up.
 */
export async function measureInRounds<K extends string>(
  setups: Array<LiveSetup<K>>,
  spec: LiveSpec,
  rounds: number,
  onRound: (setup: K, round: number) => void,
): Promise<Record<K, Array<LiveRow & LiveSamples>>> {
  const runs = Object.fromEntries(setups.map((s) => [s.key, []])) as unknown as Record<K, Array<LiveRow & LiveSamples>>
  const generator = LoadPool.start(spec.workers)
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? setups : [...setups].reverse()
      for (const setup of order) {
        onRound(setup.key, round)
        const roundSpec = { ...spec, warmupMs: round === 0 ? spec.warmupMs : 0 }
        runs[setup.key].push(await measureLive(setup.target, setup.ports, setup.pids, roundSpec, generator))
      }
    }
  } finally {
    await generator.stop()
  }
  return runs
}

/** Latency summary of the deliveries whose `crossed` flag is `flag`. */
function summaryWhere(latencies: Float64Array, crossed: Uint8Array, flag: number): LiveRow['sameServer'] {
  const picked = latencies.filter((_, i) => crossed[i] === flag)
  return { ...latencySummary(picked), n: picked.length }
}
