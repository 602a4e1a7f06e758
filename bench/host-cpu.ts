/**
 * How much of the machine's CPU time the hypervisor took ("steal") during a
 * run, from the first line of /proc/stat. This box is a virtual machine that
 * shares its host: in scenario 7 the rounds where the host took 5-12 % of the
 * CPU were the rounds with the slow commits and the long tail, whichever
 * setup they fell on. Printing it beside each run says which figures a busy
 * host bent; it is machine-wide, so it covers the servers and the generator.
 */
import { readFileSync } from 'node:fs'

/** Cumulative CPU ticks of all cores: every state, and the stolen ones alone. */
export interface HostTicks {
  total: number
  stolen: number
}

/** The "cpu" line of /proc/stat (user nice system idle iowait irq softirq steal ...). */
export function parseProcStat(text: string): HostTicks {
  const line = text.split('\n', 1)[0]!
  if (!line.startsWith('cpu ')) throw new Error(`/proc/stat: expected the "cpu" line first, got "${line.slice(0, 40)}"`)
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number)
  return { total: fields.reduce((a, b) => a + b, 0), stolen: fields[7] ?? 0 }
}

/** Now, or zeros where there is no /proc/stat (the share then reads n/a). */
export function hostTicks(): HostTicks {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'))
  } catch {
    return { total: 0, stolen: 0 }
  }
}

/** Ticks between two readings. */
export function ticksBetween(before: HostTicks, after: HostTicks): HostTicks {
  return { total: after.total - before.total, stolen: after.stolen - before.stolen }
}

/** Ticks of several runs together. */
export function addTicks(runs: HostTicks[]): HostTicks {
  return runs.reduce((sum, r) => ({ total: sum.total + r.total, stolen: sum.stolen + r.stolen }), { total: 0, stolen: 0 })
}

/** The stolen share in percent, NaN when nothing was measured. */
export function stealPercent(ticks: HostTicks): number {
  return ticks.total > 0 ? (100 * ticks.stolen) / ticks.total : NaN
}
