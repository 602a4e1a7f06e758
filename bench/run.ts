/**
 * `npm run bench`: every selected scenario against Tandem and the reference
 * servers in one invocation, then bench/RESULTS.md rewritten from this run.
 * Knobs: bench/settings.ts (`npm run bench -- --help`).
 */
import { writeFileSync } from 'node:fs'
import { execSync } from 'node:child_process'
import os from 'node:os'
import { nonDefault, readSettings, settingsHelp, type Settings } from './settings.js'
import { table, type Section } from './report.js'
import { keptNote, readStoredSections, sectionMarker } from './kept.js'
import { busyRoom } from './scenarios/busy-room.js'
import { manyRooms } from './scenarios/many-rooms.js'
import { throughput } from './scenarios/throughput.js'
import { largeDoc } from './scenarios/large-doc.js'
import { browserScenario } from './scenarios/browser.js'
import { renderScenario } from './scenarios/render.js'
import { scaleOut } from './scenarios/scale-out.js'
import { transportsScenario } from './scenarios/transports.js'

const SCENARIOS: Record<number, (settings: Settings) => Promise<Section>> = {
  1: busyRoom,
  2: manyRooms,
  3: largeDoc,
  4: throughput,
  5: browserScenario,
  6: renderScenario,
  7: scaleOut,
  8: transportsScenario,
}

if (process.argv.includes('--help')) {
  process.stdout.write(`Usage: [VAR=value ...] npm run bench\n\n${settingsHelp()}\n`)
  process.exit(0)
}

const settings = readSettings(process.env)
const started = new Date()
// Changes to the benchmark's own outputs (an earlier partial run's RESULTS.md and chart) are not changes to what is measured.
const commit = `${sh('git rev-parse --short HEAD')}${sh("git status --porcelain -- . ':!bench/RESULTS.md' ':!bench/transports.svg'") ? '+uncommitted' : ''}`
const sections: Section[] = []
for (const n of settings.scenarios) {
  const scenario = SCENARIOS[n]
  if (!scenario) throw new Error(`no scenario ${n}`)
  const section = await scenario(settings)
  process.stderr.write(`\n## ${section.title}\n\n${section.body}\n`)
  sections.push(section)
  // Written after every scenario, so a later one that fails loses nothing measured before it.
  writeFileSync(settings.out, render(settings, started, sections))
  process.stderr.write(`\nwrote ${settings.out}\n`)
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

function render(settings: Settings, started: Date, sections: Section[]): string {
  const changed = nonDefault(process.env)
  const fresh = new Map(sections.map((section, i) => [settings.scenarios[i]!, section]))
  const stored = readStoredSections(settings.out)
  const order = Object.keys(SCENARIOS).map(Number)
  const goalRows = order.flatMap((n) => {
    const section = fresh.get(n)
    if (section) return section.goals.map((g) => `| ${g.scenario} | ${g.goal} | ${g.met ? 'yes' : '**no**'} | ${g.measured} |`)
    return stored.get(n)?.goalRows ?? []
  })
  const parts = order.flatMap((n) => {
    const section = fresh.get(n)
    if (section) return [sectionMarker(n, started, commit), `## ${section.title}`, '', section.body, '']
    const kept = stored.get(n)
    if (!kept) return []
    const [heading, ...rest] = kept.text.split('\n')
    return [sectionMarker(n, new Date(kept.measured), kept.commit), heading!, '', keptNote(kept), '', rest.join('\n').trim(), '']
  })
  return [
    '# Tandem benchmark results',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts). A run rewrites the sections of the scenarios it ran and keeps the others (bench/kept.ts). Analysis lives in bench/README.md. -->',
    '',
    `- date of the latest run: ${started.toISOString()} (scenarios ${settings.scenarios.join(', ')}); a section from an earlier run says when and at which commit it was measured`,
    `- commit: ${commit}`,
    `- machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; shared with other work, so absolute numbers are noisy and ratios measured in the same run are the headline`,
    `- servers: Tandem (SQLite, durability \`process\`), y-websocket 1.5.4 \`bin/utils\` (in memory), @hocuspocus/server 3.4.4 (in memory, no extensions); scenario 7: Tandem on PostgreSQL + Redis (Debian's, loopback)`,
    `- settings: ${changed.length ? changed.join(', ') : 'defaults (the scenarios as specified)'}`,
    '',
    '## Goals',
    '',
    goalRows.length ? [table(['scenario', 'goal', 'met?', 'measured'], []), ...goalRows].join('\n') : 'No goal was judged yet.',
    '',
    ...parts,
  ].join('\n')
}
