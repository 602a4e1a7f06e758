/**
 * Scenario 1, one busy room: 50 clients on one document, 10 of them writing
 * 20 updates per second each. The servers are up together and measured in
 * interleaved rounds (measureInRounds), so a burst of load on this shared
 * machine falls on all of them alike instead of on whichever ran then.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measureInRounds, mergeLiveRows, type LiveRow, type LiveSamples, type LiveSetup, type LiveSpec } from './live.js'
import { liveTable } from './live-table.js'
import { startServer, type ServerUnderTest } from '../servers.js'
import { fixed, ratio, type Section } from '../report.js'
import type { Settings } from '../settings.js'
import type { Target } from '../wire.js'

export async function busyRoom(settings: Settings): Promise<Section> {
  const rounds = settings.busyRoomRounds
  const spec: LiveSpec = {
    docs: 1, clientsPerDoc: 50, writersPerDoc: 10, rate: 20,
    durationMs: (settings.durationSeconds * 1000) / rounds, warmupMs: settings.warmupSeconds * 1000, workers: settings.workers,
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
  const servers: ServerUnderTest[] = []
  let byTarget: Record<Target, Array<LiveRow & LiveSamples>>
  try {
    for (const target of settings.targets) {
      servers.push(await startServer(target, { dataDir, nodeFlags: target === 'tandem' && settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [] }))
    }
    const setups: Array<LiveSetup<Target>> = servers.map((s) => ({ key: s.target, target: s.target, ports: [s.port], pids: [s.pid] }))
    byTarget = await measureInRounds(setups, spec, rounds, (target, round) => process.stderr.write(`scenario 1: round ${round + 1}/${rounds}, ${target}\n`))
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
    rmSync(dataDir, { recursive: true, force: true })
  }
  const rows = settings.targets.map((target) => mergeLiveRows(byTarget[target]))
  const tandem = rows.find((r) => r.target === 'tandem')
  const yws = rows.find((r) => r.target === 'y-websocket')
  const refs = rows.filter((r) => r.target !== 'tandem')
  const bestRefP99 = Math.min(...refs.map((r) => r.p99))
  const goals = tandem && yws
    ? [
        { scenario: 1, goal: 'server CPU ≤ 0.7× in-memory y-websocket, persisting durably', met: tandem.cpu <= 0.7 * yws.cpu, measured: `${ratio(tandem.cpu, yws.cpu)} (${tandem.cpu.toFixed(2)} s vs ${yws.cpu.toFixed(2)} s; in the kernel ${tandem.kernelCpu.toFixed(2)} s vs ${yws.kernelCpu.toFixed(2)} s)` },
        { scenario: 1, goal: 'p99 no worse than the best reference', met: tandem.p99 <= bestRefP99, measured: `${tandem.p99.toFixed(1)} ms vs ${bestRefP99.toFixed(1)} ms` },
      ]
    : []
  return {
    title: '1. One busy room',
    body:
      `50 clients on one document; 10 writers at 20 updates/s each (200 updates/s, 9,800 deliveries/s), writers evenly phased. ` +
      `The servers run side by side and are measured in ${rounds} interleaved rounds of ${fixed(spec.durationMs / 1000)} s each (${settings.targets.join(', ')}, then the reverse, …), ` +
      `a fresh document per round, from one load generator; ${settings.warmupSeconds} s of unmeasured warm-up before each server's first round; ` +
      `percentiles are over all of a server's rounds, CPU is summed over them, RSS is the peak.\n\n${liveTable(rows)}`,
    goals,
  }
}
