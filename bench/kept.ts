/**
 * Partial runs (`BENCH_SCENARIOS=6 npm run bench`) rewrite RESULTS.md without
 * throwing away the scenarios they did not run: each scenario's section (and
 * its rows of the goals table) is kept from the previous file, marked with the
 * date and commit of the run that measured it, so a reader always sees which
 * figures belong together.
 */
import { existsSync, readFileSync } from 'node:fs'

/** A scenario's section as RESULTS.md holds it, with when and where it was measured. */
export interface StoredSection {
  scenario: number
  measured: string
  commit: string
  /** The section's Markdown, from its heading to the next section. */
  text: string
  /** Its rows of the goals table, as Markdown lines. */
  goalRows: string[]
}

const MARKER = /^<!-- scenario (\d+): measured (\S+), commit (\S+) -->$/

/** The marker line that starts a scenario's section. */
export function sectionMarker(scenario: number, measured: Date, commit: string): string {
  return `<!-- scenario ${scenario}: measured ${measured.toISOString()}, commit ${commit} -->`
}

/** The line shown under a kept section's heading. */
export function keptNote(section: StoredSection): string {
  return `_Not rerun in the latest run: measured ${section.measured} at commit ${section.commit}._`
}

/** The sections of an existing RESULTS.md, by scenario; none when the file is absent or older than the markers. */
export function readStoredSections(path: string): Map<number, StoredSection> {
  const sections = new Map<number, StoredSection>()
  if (!existsSync(path)) return sections
  const lines = readFileSync(path, 'utf8').split('\n')
  const goalRows = lines.filter((line) => /^\| \d+ \|/.test(line))
  let current: StoredSection | null = null
  const body: string[] = []
  const finish = () => {
    if (!current) return
    current.text = body.join('\n').trim()
    sections.set(current.scenario, current)
    body.length = 0
  }
  for (const line of lines) {
    const marker = MARKER.exec(line)
    if (marker) {
      finish()
      const scenario = Number(marker[1])
      current = {
        scenario,
        measured: marker[2]!,
        commit: marker[3]!,
        text: '',
        goalRows: goalRows.filter((row) => row.startsWith(`| ${scenario} |`)),
      }
      continue
    }
    // A kept section's note is written anew from its marker.
    if (current && !line.startsWith('_Not rerun in the latest run:')) body.push(line)
  }
  finish()
  return sections
}
