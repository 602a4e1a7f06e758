/**
 * The benchmark's knobs, read once from the environment (table-driven, like
 * server/config.ts). Defaults are the scenarios as the issue states them;
 * smaller values are for trying things out, and RESULTS.md prints the values
 * used so a reduced run can never pass for the real one.
 */
import { TARGETS, type Target } from './wire.js'
import { CLIENT_TRANSPORTS, type ClientTransport } from './loadgen/transports.js'

export interface Settings {
  scenarios: number[]
  targets: Target[]
  /** Measured seconds of each live scenario (1, 2, 6 and 7). */
  durationSeconds: number
  /** Unmeasured warm-up seconds before each live run. */
  warmupSeconds: number
  /** Load-generator worker threads. */
  workers: number
  /** Scenario 2: documents (× 5 clients each). */
  manyRoomsDocs: number
  /** Scenario 3: at least this many edits in the large document. */
  largeDocEdits: number
  /** Scenario 4: seconds of flooding. */
  throughputSeconds: number
  /** Scenario 2: runs per server, alternating servers (A B, then B A, …), each a fresh server for BENCH_DURATION_S. */
  manyRoomsRuns: number
  /** Scenario 1: interleaved rounds per server, together BENCH_DURATION_S. */
  busyRoomRounds: number
  /** Scenario 7a: measured rounds per setup (each a quarter of the live duration). */
  scaleOutRounds: number
  /** Scenario 5: keystrokes measured per server. */
  browserKeystrokes: number
  /** Scenario 8: the transports compared. */
  transports: ClientTransport[]
  /** Scenario 8: clients on the busy document (4 of them write). */
  transportBusyClients: number
  /** Scenario 8: measured seconds on the busy document. */
  transportBusySeconds: number
  /** Scenario 8: idle clients (5 per document) whose memory and upkeep are measured. */
  transportIdleClients: number
  /** Scenario 8: seconds the idle clients are watched. */
  transportIdleSeconds: number
  /** Tandem runs under `node --cpu-prof` into this folder when set. */
  profileDir: string | null
  /** Where the report goes. */
  out: string
}

interface Knob {
  env: string
  default: string
  help: string
  apply(settings: Settings, raw: string): void
}

const int = (raw: string, env: string) => {
  if (!/^\d+$/.test(raw)) throw new Error(`${env}: expected a whole number, got "${raw}"`)
  return Number(raw)
}

const KNOBS: Knob[] = [
  { env: 'BENCH_SCENARIOS', default: '1,2,3,4,5,6,7,8', help: 'scenarios to run', apply: (s, raw) => (s.scenarios = raw.split(',').map((x) => int(x.trim(), 'BENCH_SCENARIOS'))) },
  {
    env: 'BENCH_TARGETS', default: TARGETS.join(','), help: 'servers to compare',
    apply: (s, raw) => {
      s.targets = raw.split(',').map((x) => x.trim()) as Target[]
      for (const t of s.targets) if (!TARGETS.includes(t)) throw new Error(`BENCH_TARGETS: unknown server "${t}"`)
    },
  },
  { env: 'BENCH_DURATION_S', default: '20', help: 'measured seconds per live run (scenarios 1, 2, 7)', apply: (s, raw) => (s.durationSeconds = int(raw, 'BENCH_DURATION_S')) },
  { env: 'BENCH_WARMUP_S', default: '3', help: 'unmeasured warm-up seconds before each live run', apply: (s, raw) => (s.warmupSeconds = int(raw, 'BENCH_WARMUP_S')) },
  { env: 'BENCH_WORKERS', default: '2', help: 'load-generator worker threads', apply: (s, raw) => (s.workers = Math.max(1, int(raw, 'BENCH_WORKERS'))) },
  { env: 'BENCH_S2_DOCS', default: '2000', help: 'scenario 2 documents (5 clients each)', apply: (s, raw) => (s.manyRoomsDocs = int(raw, 'BENCH_S2_DOCS')) },
  { env: 'BENCH_S2_RUNS', default: '2', help: 'scenario 2 runs per server, alternating servers, each a fresh server for BENCH_DURATION_S', apply: (s, raw) => (s.manyRoomsRuns = Math.max(1, int(raw, 'BENCH_S2_RUNS'))) },
  { env: 'BENCH_S3_EDITS', default: '250000', help: 'scenario 3 minimum edits', apply: (s, raw) => (s.largeDocEdits = int(raw, 'BENCH_S3_EDITS')) },
  { env: 'BENCH_S4_SECONDS', default: '10', help: 'scenario 4 (and 7b) seconds of flooding', apply: (s, raw) => (s.throughputSeconds = int(raw, 'BENCH_S4_SECONDS')) },
  { env: 'BENCH_S1_ROUNDS', default: '4', help: 'scenario 1 interleaved rounds per server, together BENCH_DURATION_S', apply: (s, raw) => (s.busyRoomRounds = Math.max(1, int(raw, 'BENCH_S1_ROUNDS'))) },
  { env: 'BENCH_S7_ROUNDS', default: '12', help: 'scenario 7a measured rounds per setup, each a quarter of BENCH_DURATION_S', apply: (s, raw) => (s.scaleOutRounds = Math.max(1, int(raw, 'BENCH_S7_ROUNDS'))) },
  { env: 'BENCH_S5_KEYS', default: '200', help: 'scenario 5 keystrokes per server', apply: (s, raw) => (s.browserKeystrokes = int(raw, 'BENCH_S5_KEYS')) },
  {
    env: 'BENCH_S8_TRANSPORTS', default: CLIENT_TRANSPORTS.join(','), help: 'scenario 8 transports to compare',
    apply: (s, raw) => {
      s.transports = raw.split(',').map((x) => x.trim()) as ClientTransport[]
      for (const t of s.transports) if (!CLIENT_TRANSPORTS.includes(t)) throw new Error(`BENCH_S8_TRANSPORTS: unknown transport "${t}"`)
    },
  },
  { env: 'BENCH_S8_CLIENTS', default: '12', help: 'scenario 8 clients on the busy document (4 write)', apply: (s, raw) => (s.transportBusyClients = Math.max(6, int(raw, 'BENCH_S8_CLIENTS'))) },
  { env: 'BENCH_S8_SECONDS', default: '15', help: 'scenario 8 measured seconds on the busy document', apply: (s, raw) => (s.transportBusySeconds = int(raw, 'BENCH_S8_SECONDS')) },
  { env: 'BENCH_S8_IDLE', default: '500', help: 'scenario 8 idle clients (5 per document)', apply: (s, raw) => (s.transportIdleClients = Math.max(5, int(raw, 'BENCH_S8_IDLE'))) },
  { env: 'BENCH_S8_IDLE_S', default: '30', help: 'scenario 8 seconds the idle clients are watched', apply: (s, raw) => (s.transportIdleSeconds = int(raw, 'BENCH_S8_IDLE_S')) },
  { env: 'BENCH_PROFILE_DIR', default: '', help: 'run Tandem under --cpu-prof into this folder', apply: (s, raw) => (s.profileDir = raw || null) },
  { env: 'BENCH_OUT', default: 'bench/RESULTS.md', help: 'report file', apply: (s, raw) => (s.out = raw) },
]

/** Reads every knob from `env`. Throws naming the bad variable. */
export function readSettings(env: Record<string, string | undefined>): Settings {
  const settings = {} as Settings
  for (const knob of KNOBS) knob.apply(settings, env[knob.env] ?? knob.default)
  return settings
}

/** The knobs that differ from their defaults, for the report. */
export function nonDefault(env: Record<string, string | undefined>): string[] {
  return KNOBS.filter((k) => env[k.env] !== undefined && env[k.env] !== k.default).map((k) => `${k.env}=${env[k.env]}`)
}

/** One line per knob, for --help. */
export function settingsHelp(): string {
  return KNOBS.map((k) => `  ${k.env.padEnd(20)} ${k.help} (default ${k.default || 'unset'})`).join('\n')
}
