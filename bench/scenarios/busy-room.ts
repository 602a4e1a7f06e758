/**
 * Scenario 1, one busy room: 50 clients on one document, 10 of them writing
 * 20 updates per second each.
 */
import { runLive, type LiveRow, type LiveSpec } from './live.js'
import { liveTable } from './live-table.js'
import { ratio, type Section } from '../report.js'
import type { Settings } from '../settings.js'

export async function busyRoom(settings: Settings): Promise<Section> {
  const spec: LiveSpec = {
    docs: 1, clientsPerDoc: 50, writersPerDoc: 10, rate: 20,
    durationMs: settings.durationSeconds * 1000, warmupMs: settings.warmupSeconds * 1000, workers: settings.workers,
  }
  const rows: LiveRow[] = []
  for (const target of settings.targets) {
    process.stderr.write(`scenario 1: ${target}\n`)
    rows.push(await runLive(target, spec, target === 'tandem' && settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : []))
  }
  const tandem = rows.find((r) => r.target === 'tandem')
  const yws = rows.find((r) => r.target === 'y-websocket')
  const refs = rows.filter((r) => r.target !== 'tandem')
  const bestRefP99 = Math.min(...refs.map((r) => r.p99))
  const goals = tandem && yws
    ? [
        { scenario: 1, goal: 'server CPU ≤ 0.7× in-memory y-websocket, persisting durably', met: tandem.cpu <= 0.7 * yws.cpu, measured: `${ratio(tandem.cpu, yws.cpu)} (${tandem.cpu.toFixed(2)} s vs ${yws.cpu.toFixed(2)} s)` },
        { scenario: 1, goal: 'p99 no worse than the best reference', met: tandem.p99 <= bestRefP99, measured: `${tandem.p99.toFixed(1)} ms vs ${bestRefP99.toFixed(1)} ms` },
      ]
    : []
  return {
    title: '1. One busy room',
    body: `50 clients on one document; 10 writers at 20 updates/s each (200 updates/s, 9,800 deliveries/s), writers evenly phased. ${settings.warmupSeconds} s unmeasured warm-up, then ${settings.durationSeconds} s measured.\n\n${liveTable(rows)}`,
    goals,
  }
}
