/** The table printed for a live scenario (1 and 2). */
import { fixed, mib, ratio, table } from '../report.js'
import { stealPercent } from '../host-cpu.js'
import type { LiveRow } from './live.js'

export function liveTable(rows: LiveRow[]): string {
  const yws = rows.find((r) => r.target === 'y-websocket')
  return table(
    ['server', 'p50 ms', 'p99 ms', 'max ms', 'server CPU s', 'of it in the kernel s', 'CPU vs y-websocket', 'peak RSS MiB', 'RSS vs y-websocket', 'delivered / expected', 'generator CPU s', 'connect s', 'failed clients', 'host steal %'],
    rows.map((r) => [
      r.target, fixed(r.p50), fixed(r.p99), fixed(r.max), fixed(r.cpu, 2), fixed(r.kernelCpu, 2), yws ? ratio(r.cpu, yws.cpu) : 'n/a',
      mib(r.rss), yws ? ratio(r.rss, yws.rss) : 'n/a', `${r.delivered} / ${r.expected}`, fixed(r.generatorCpu, 2), fixed(r.connectSeconds, 1), r.failedClients, fixed(stealPercent(r.host)),
    ]),
  )
}
