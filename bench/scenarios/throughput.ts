/**
 * Scenario 4, durable write throughput: many writers, each keeping a window of updates in flight and typing again as soon as one
 * reached every other client of its document. Tandem relays an update only
 * after committing it, so every completed update is a durable one; the
 * in-memory references commit nothing, and their figure is plain relay speed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LoadPool } from '../loadgen/pool.js'
import { cpuSeconds, peakRssBytes, startServer } from '../servers.js'
import { fixed, latencySummary, mib, table, type Section } from '../report.js'
import type { Settings } from '../settings.js'
import type { Target } from '../wire.js'

// Many writers, each on its own document with one reader: the reader only
// witnesses what the relay committed, so fan-out costs as little as possible.
export const DOCS = 100
const WRITERS_PER_DOC = 1
export const WINDOW = 16
export const WARMUP_MS = 2000

export interface Row {
  target: Target
  perSecond: number
  p50: number
  p99: number
  cpu: number
  rss: number
  generatorCpu: number
}

async function measure(target: Target, settings: Settings): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
  const server = await startServer(target, { dataDir })
  try {
    return { target, ...(await measureFlood(target, server.port, server.pid, settings)) }
  } finally {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Durable throughput of the server `pid` listening on `port` (already running). */
export async function measureFlood(target: Target, port: number, pid: number, settings: Settings): Promise<Omit<Row, 'target'>> {
  const pool = LoadPool.start(settings.workers)
  try {
    const docs = Array.from({ length: DOCS }, (_, d) => ({ name: `flood-${d}`, clients: WRITERS_PER_DOC + 1, writers: WRITERS_PER_DOC, phases: [] }))
    await pool.connect(target, port, docs)
    const at = () => performance.timeOrigin + performance.now() + 100
    await pool.run({ cmd: 'flood', window: WINDOW, startAt: at(), durationMs: WARMUP_MS, drainMs: 10_000 })
    const cpu0 = cpuSeconds(pid)
    const gen0 = process.cpuUsage()
    const durationMs = settings.throughputSeconds * 1000
    const result = await pool.run({ cmd: 'flood', window: WINDOW, startAt: at(), durationMs, drainMs: 10_000 })
    const gen = process.cpuUsage(gen0)
    const row = {
      perSecond: result.completed / (durationMs / 1000),
      ...latencySummary(result.latencies),
      cpu: cpuSeconds(pid) - cpu0,
      rss: peakRssBytes(pid),
      generatorCpu: (gen.user + gen.system) / 1e6,
    }
    await pool.disconnect()
    return row
  } finally {
    await pool.stop()
  }
}

export async function throughput(settings: Settings): Promise<Section> {
  const rows: Row[] = []
  for (const target of settings.targets) {
    process.stderr.write(`scenario 4: ${target}\n`)
    rows.push(await measure(target, settings))
  }
  const tandem = rows.find((r) => r.target === 'tandem')
  return {
    title: '4. Durable write throughput',
    body:
      `${DOCS} documents × (${WRITERS_PER_DOC} writers + 1 reader); each writer keeps ${WINDOW} updates in flight and sends the next as soon as one reached the other client(s) of its document. ` +
      `An update counts once every other client of its document received it (for Tandem that implies it was committed first). ${WARMUP_MS / 1000} s unmeasured warm-up, then ${settings.throughputSeconds} s measured. ` +
      `Only Tandem stores anything; the references' figure is in-memory relay speed.\n\n` +
      table(
        ['server', 'updates/s (completed)', 'durable?', 'p50 ms', 'p99 ms', 'server CPU s', 'peak RSS MiB', 'generator CPU s'],
        rows.map((r) => [r.target, Math.round(r.perSecond), r.target === 'tandem' ? 'yes (committed before relay)' : 'no (memory only)', fixed(r.p50), fixed(r.p99), fixed(r.cpu, 2), mib(r.rss), fixed(r.generatorCpu, 2)]),
      ),
    goals: tandem ? [{ scenario: 4, goal: '≥ 20,000 durable updates/s', met: tandem.perSecond >= 20_000, measured: `${Math.round(tandem.perSecond)} updates/s` }] : [],
  }
}
