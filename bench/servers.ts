/**
 * Starts each server under test as its own child process on a free port, so
 * that its CPU time and memory, read from /proc, are its own and nothing of
 * the load generator's.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Target } from './wire.js'
// The test fixtures' port helpers: the bench starts servers the same way.
import { acceptsConnections, freePort } from '../test/helpers/services.js'

export interface ServerUnderTest {
  target: Target
  port: number
  pid: number
  /** Stops the process (SIGTERM: Tandem commits and closes its store) and waits for it. */
  stop(): Promise<void>
}

export interface ServerOptions {
  /** Tandem only: its data folder (reuse it to restart over the same data). */
  dataDir?: string
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[]
  /** Extra environment: a Tandem setting such as VERSION_INTERVAL_MS, or DATABASE_URL and REDIS_URL. */
  env?: Record<string, string>
}

/**
 * The relay's abuse limits (per-address connections, documents in memory,
 * per-connection rates) protect a public server; a capacity benchmark from
 * one loopback address must not trip them, and the references have none.
 */
const CAPACITY_FLAGS = [
  '--max-connections-per-ip', '1000000',
  '--max-documents', '1000000',
  '--max-messages-per-second', '1000000',
  '--max-bytes-per-second', String(1024 ** 3),
]

/**
 * Tandem is measured as `npm start` runs it: built (when stale) by the same
 * script, then plain `node dist/server/main.js`.
 */
let tandemBuilt = false
function buildTandemIfStale(): void {
  if (tandemBuilt) return
  const result = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' })
  if (result.status !== 0) throw new Error('scripts/build-if-stale.mjs failed')
  tandemBuilt = true
}

/** Starts `target` and resolves once it listens. */
export async function startServer(target: Target, options: ServerOptions = {}): Promise<ServerUnderTest> {
  const flags = options.nodeFlags ?? []
  if (target === 'tandem') buildTandemIfStale()
  // Tandem at --log-level warn prints nothing on start, so the port is chosen here.
  const port = await freePort()
  const args =
    target === 'tandem'
      ? [...flags, 'dist/server/main.js', '--port', String(port), '--data-dir', options.dataDir!, '--log-level', 'warn', ...CAPACITY_FLAGS]
      : [...flags, target === 'y-websocket' ? 'bench/servers/ywebsocket.cjs' : 'bench/servers/hocuspocus.mjs']
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...options.env, PORT: String(port) } })
  let gone = false
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true
      resolve()
    }),
  )
  const deadline = Date.now() + 30_000
  while (!(await acceptsConnections(port))) {
    if (gone) throw new Error(`${target} exited before listening`)
    if (Date.now() > deadline) throw new Error(`${target} did not listen within 30 s`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    target,
    port,
    pid: child.pid!,
    stop: async () => {
      if (!gone) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid)
  return user + system
}

/**
 * The process's CPU seconds so far in its own code (user) and in the kernel
 * on its behalf (system: socket writes, file writes, fsyncs). A relay's
 * system time is mostly one socket write per delivered frame, which every
 * server makes alike, so the split shows how much of a CPU ratio is left to
 * the server's own code (bench/README, twelfth round).
 */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which may contain spaces, in parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND }
}

/** Peak resident memory of the process so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /VmHWM:\s+(\d+) kB/.exec(status)
  return match ? Number(match[1]) * 1024 : 0
}

/** Resident memory of the process now (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /VmRSS:\s+(\d+) kB/.exec(status)
  return match ? Number(match[1]) * 1024 : 0
}
