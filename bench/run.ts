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
import { busyRoom } from './scenarios/busy-room.js'
import { manyRooms } from './scenarios/many-rooms.js'
import { throughput } from './scenarios/throughput.js'
import { largeDoc } from './scenarios/large-doc.js'
import { browserScenario } from './scenarios/browser.js'
import { transportsScenario } from './scenarios/transports.js'

const SCENARIOS: Record<number, (settings: Settings) => Promise<Section>> = {
  1: busyRoom,
  2: manyRooms,
  3: largeDoc,
  4: throughput,
  5: browserScenario,
  8: transportsScenario,
}

if (process.argv.includes('--help')) {
  process.stdout.write(`Usage: [VAR=value ...] npm run bench\n\n${settingsHelp()}\n`)
  process.exit(0)
}

const settings = readSettings(process.env)
const started = new Date()
const sections: Section[] = []
for (const n of settings.scenarios) {
  const scenario = SCENARIOS[n]
  if (!scenario) throw new Error(`no scenario ${n}`)
  const section = await scenario(settings)
  process.stderr.write(`\n## ${section.title}\n\n${section.body}\n`)
  sections.push(section)
}
writeFileSync(settings.out, render(settings, started, sections))
process.stderr.write(`\nwrote ${settings.out}\n`)

function render(settings: Settings, started: Date, sections: Section[]): string {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trim()
    } catch {
      return 'unknown'
    }
  }
  const goals = sections.flatMap((s) => s.goals)
  const changed = nonDefault(process.env)
  return [
    '# Tandem benchmark results',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts); rewritten on every run. Analysis lives in bench/README.md. -->',
    '',
    `- date: ${started.toISOString()}`,
    `- commit: ${sh('git rev-parse --short HEAD')}${sh('git status --porcelain') ? ' (with uncommitted changes)' : ''}`,
    `- machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; shared with other work, so absolute numbers are noisy and ratios measured in the same run are the headline`,
    `- servers: Tandem (SQLite, durability \`process\`), y-websocket 1.5.4 \`bin/utils\` (in memory), @hocuspocus/server 3.4.4 (in memory, no extensions)`,
    `- settings: ${changed.length ? changed.join(', ') : 'defaults (the scenarios as specified)'}`,
    '',
    '## Goals',
    '',
    goals.length ? table(['scenario', 'goal', 'met?', 'measured'], goals.map((g) => [g.scenario, g.goal, g.met ? 'yes' : '**no**', g.measured])) : 'No goal was judged in this run.',
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', s.body, '']),
  ].join('\n')
}
