/**
 * Numbers to text: latency percentiles and Markdown tables for RESULTS.md.
 */

/** p50, p99 and max of `samples` (ms), or NaN when there are none. */
export function latencySummary(samples: Float64Array): { p50: number; p99: number; max: number } {
  if (samples.length === 0) return { p50: NaN, p99: NaN, max: NaN }
  const sorted = Float64Array.from(samples).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! }
}

/** Several runs' samples end to end, for percentiles over all of them. */
export function pooledSamples<T extends Float64Array | Uint8Array>(runs: T[]): T {
  const pooled = new (runs[0]!.constructor as new (length: number) => T)(runs.reduce((n, r) => n + r.length, 0))
  let at = 0
  for (const r of runs) {
    pooled.set(r, at)
    at += r.length
  }
  return pooled
}

/** A Markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The middle value of `xs` (the mean of the two middle ones for an even count); NaN when empty. */
export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length / 2
  if (sorted.length === 0) return NaN
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** `n` with `digits` decimals, or "n/a". */
export function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a'
}

/** Bytes as MiB. */
export function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0)
}

/** `a / b` as "0.42×", or "n/a". */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a'
}

/** A goal of the issue and whether this run met it. */
export interface Goal {
  scenario: number
  goal: string
  met: boolean
  measured: string
}

/** One scenario's part of RESULTS.md. */
export interface Section {
  title: string
  body: string
  goals: Goal[]
}
