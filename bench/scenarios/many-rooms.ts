/**
 * Scenario 2, many rooms: 2,000 documents × 5 clients (10,000 connections),
 * one writer per document typing once a second, the 2,000 writers spread
 * evenly over each second.
 *
 * Each server is measured in several runs, each a fresh server with the
 * whole scenario, alternating servers (A B, then B A, …) as scenario 1
 * interleaves its rounds: a burst of load on this shared machine then falls
 * on each server's runs alike, where one run each after the other let it
 * decide a ratio. Servers are not kept up between runs as in scenario 1:
 * y-websocket keeps every document it ever served, so a second run against
 * the same process would measure it holding twice the documents.
 */
import { mergeLiveRows, runLive, type LiveRow, type LiveSamples, type LiveSpec } from './live.js'
import { liveTable } from './live-table.js'
import { ratio, type Goal, type Section } from '../report.js'
import type { Settings } from '../settings.js'

export async function manyRooms(settings: Settings): Promise<Section> {
  const spec: LiveSpec = {
    docs: settings.manyRoomsDocs, clientsPerDoc: 5, writersPerDoc: 1, rate: 1,
    durationMs: settings.durationSeconds * 1000, warmupMs: settings.warmupSeconds * 1000, workers: settings.workers,
  }
  const runs = settings.manyRoomsRuns
  const byTarget = new Map<string, Array<LiveRow & LiveSamples>>(settings.targets.map((t) => [t, []]))
  for (let run = 0; run < runs; run++) {
    for (const target of run % 2 === 0 ? settings.targets : [...settings.targets].reverse()) {
      process.stderr.write(`scenario 2: run ${run + 1}/${runs}, ${target}\n`)
      byTarget.get(target)!.push(await runLive(target, spec, target === 'tandem' && settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : []))
    }
  }
  const rows: LiveRow[] = settings.targets.map((target) => mergeLiveRows(byTarget.get(target)!))
  const tandem = rows.find((r) => r.target === 'tandem')
  const yws = rows.find((r) => r.target === 'y-websocket')
  const refs = rows.filter((r) => r.target !== 'tandem')
  const bestRefP99 = Math.min(...refs.map((r) => r.p99))
  const full = settings.manyRoomsDocs >= 2000
  const scale = full ? '' : ` (REDUCED SCALE: ${settings.manyRoomsDocs} documents, not 2,000; the goal is not judged met)`
  const goals: Goal[] = tandem && yws
    ? [
        { scenario: 2, goal: 'every update delivered' + scale, met: full && tandem.delivered === tandem.expected && tandem.failedClients === 0, measured: `${tandem.delivered} / ${tandem.expected}, ${tandem.failedClients} failed clients` },
        { scenario: 2, goal: 'server RSS ≤ 0.8× in-memory y-websocket' + scale, met: full && tandem.rss <= 0.8 * yws.rss, measured: ratio(tandem.rss, yws.rss) },
        { scenario: 2, goal: 'server CPU ≤ in-memory y-websocket' + scale, met: full && tandem.cpu <= yws.cpu, measured: `${ratio(tandem.cpu, yws.cpu)} (${tandem.cpu.toFixed(2)} s vs ${yws.cpu.toFixed(2)} s)` },
        { scenario: 2, goal: 'p99 no worse than the best reference' + scale, met: full && tandem.p99 <= bestRefP99, measured: `${tandem.p99.toFixed(1)} ms vs ${bestRefP99.toFixed(1)} ms` },
      ]
    : []
  return {
    title: '2. Many rooms',
    body: `${spec.docs} documents × 5 clients (${spec.docs * 5} connections); one writer per document at 1 update/s, writers evenly phased over each second. Each server is measured in ${runs} run${runs === 1 ? '' : 's'} of the whole scenario (a fresh server each: ${settings.warmupSeconds} s unmeasured warm-up, then ${settings.durationSeconds} s measured), alternating servers (${settings.targets.join(', ')}, then the reverse, …); percentiles are over all of a server's runs, CPU and counts are summed over them, RSS is the highest peak. The load generator runs in ${settings.workers} worker threads on the same machine; its CPU is shown.${scale}\n\n${liveTable(rows)}`,
    goals,
  }
}
