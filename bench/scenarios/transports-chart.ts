/**
 * The chart of scenario 8 as a plain SVG string: one panel of horizontal bars
 * per figure (p99 latency, wire bytes and relay CPU per delivered update,
 * relay memory per idle client), one bar per transport, each labelled with
 * its value, so no figure needs reading off an axis. Latency is drawn on a
 * log scale: short polling's second would flatten every other bar.
 */
import type { ClientTransport } from '../loadgen/transports.js'
import type { TransportRow } from './transports.js'

const WIDTH = 760
const LABEL_WIDTH = 220
const VALUE_WIDTH = 90
const BAR_HEIGHT = 18
const BAR_GAP = 6
const PANEL_TITLE = 26
const PANEL_GAP = 18
const COLORS: Record<ClientTransport, string> = {
  websocket: '#2b6cb0',
  streaming: '#2f855a',
  polling: '#b7791f',
  'short-poll': '#c53030',
}

interface Panel {
  title: string
  value(row: TransportRow): number
  unit: string
  /** A dashed marker, e.g. the latency goal. */
  marker?: { at: number; label: string }
  /** Bars on a log scale from 1 (latencies spanning milliseconds to a second). */
  log?: boolean
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const format = (n: number) => (!Number.isFinite(n) ? 'n/a' : n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'))

export function transportsChart(rows: TransportRow[], labels: Record<ClientTransport, string>): string {
  const ws = rows.find((r) => r.transport === 'websocket')
  const panels: Panel[] = [
    {
      title: 'p99 delivery latency, busy document (ms, log scale from 1 ms)',
      value: (r) => r.p99,
      unit: 'ms',
      log: true,
      marker: ws && Number.isFinite(ws.p99) ? { at: 2 * ws.p99, label: 'goal: 2× WebSocket' } : undefined,
    },
    { title: 'TCP bytes on the wire per delivered update (headers and framing included)', value: (r) => (r.busyBytes.read + r.busyBytes.written) / r.delivered, unit: 'B' },
    { title: 'relay CPU per delivered update (µs)', value: (r) => (r.busyCpu / r.delivered) * 1e6, unit: 'µs' },
    { title: 'relay memory per idle client (KiB)', value: (r) => r.idleMemoryPerClient / 1024, unit: 'KiB' },
  ]
  const barsWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20
  const panelHeight = PANEL_TITLE + rows.length * (BAR_HEIGHT + BAR_GAP)
  const height = 40 + panels.length * (panelHeight + PANEL_GAP)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">Tandem transports compared (bench scenario 8)</text>`,
  ]
  panels.forEach((panel, p) => {
    const top = 40 + p * (panelHeight + PANEL_GAP)
    const values = rows.map((r) => panel.value(r))
    const max = Math.max(...values.filter(Number.isFinite), panel.marker?.at ?? 0, 1e-9)
    const fraction = panel.log ? (v: number) => Math.log10(Math.max(1, v)) / Math.log10(Math.max(10, max)) : (v: number) => v / max
    const scale = (v: number) => (Number.isFinite(v) ? Math.max(1, fraction(v) * barsWidth) : 0)
    out.push(`<text x="10" y="${top + 16}" font-weight="bold">${escape(panel.title)}</text>`)
    rows.forEach((row, i) => {
      const y = top + PANEL_TITLE + i * (BAR_HEIGHT + BAR_GAP)
      const v = values[i]!
      out.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${escape(labels[row.transport])}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${scale(v).toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[row.transport]}"/>`,
        `<text x="${(LABEL_WIDTH + scale(v) + 6).toFixed(1)}" y="${y + 13}">${escape(`${format(v)} ${panel.unit}`)}</text>`,
      )
    })
    if (panel.marker) {
      const x = (LABEL_WIDTH + scale(panel.marker.at)).toFixed(1)
      const bottom = top + panelHeight
      out.push(
        `<line x1="${x}" y1="${top + PANEL_TITLE - 4}" x2="${x}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
        `<text x="${x}" y="${bottom + 12}" font-size="11" text-anchor="middle">${escape(`${panel.marker.label} (${format(panel.marker.at)} ms)`)}</text>`,
      )
    }
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
