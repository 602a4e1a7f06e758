/**
 * Test fixtures: a real relay (in-process or as a child process) on a free
 * port with a real SQLite file in a fresh temp folder, or, when a suite runs
 * under `useDatabase()`, a real PostgreSQL database.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { pino } from 'pino'
import { parseConfig, type Config } from '../../server/config.js'
import { startRelay, type Relay } from '../../server/relay.js'
import type { DocStore } from '../../server/store/store.js'
import { openStore } from '../../server/store/open.js'

/**
 * Runs every relay and store this process creates from now on against the
 * PostgreSQL database at `url` instead of SQLite files: the integration
 * suites are written once and run against both stores.
 */
export function useDatabase(url: string): void {
  process.env.TANDEM_TEST_DATABASE_URL = url
}

function testDatabaseUrl(): string | undefined {
  return process.env.TANDEM_TEST_DATABASE_URL || undefined
}

/** The store the tests run against: SQLite in `dataDir`, or the database of useDatabase(). */
export function openTestStore(dataDir: string): Promise<DocStore> {
  return openStore({ dataDir, durability: 'process', databaseUrl: testDatabaseUrl() }, pino({ level: 'silent' }))
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = 'tandem-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** `store` with some of its methods replaced (a gate, a counter), the rest passed through. */
export function wrapStore(store: DocStore, overrides: Partial<DocStore>): DocStore {
  return {
    load: (name) => store.load(name),
    append: (name, update) => store.append(name, update),
    compact: (name, state) => store.compact(name, state),
    setTitle: (name, title) => store.setTitle(name, title),
    list: () => store.list(),
    delete: (name) => store.delete(name),
    close: () => store.close(),
    ...overrides,
  }
}

/** A config for tests: free port, the given data folder, quiet logs. */
export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  const parsed = parseConfig(['--port', '0', '--data-dir', dataDir, '--log-level', 'silent'], {})
  if (parsed.help) throw new Error('unreachable')
  return { ...parsed.config, databaseUrl: testDatabaseUrl(), ...overrides }
}

/** Starts an in-process relay over `dataDir` (or over `store` when given). */
export async function startTestRelay(dataDir: string, overrides: Partial<Config> = {}, store?: DocStore): Promise<Relay> {
  const config = testConfig(dataDir, overrides)
  const log = pino({ level: config.logLevel })
  return startRelay(config, log, store)
}

export interface ChildRelay {
  port: number
  process: ChildProcess
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `server/main.ts` as a child process and waits until it listens. */
export async function startChildRelay(dataDir: string, extraArgs: string[] = []): Promise<ChildRelay> {
  const databaseUrl = testDatabaseUrl()
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/main.ts', '--port', '0', '--data-dir', dataDir, ...(databaseUrl ? ['--database-url', databaseUrl] : []), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { port?: number }
        if (entry.port) resolve(entry.port)
      } catch {
        // not a log line
      }
    })
    void exited.then(({ code }) => reject(new Error(`relay exited early with code ${code}`)))
  })
  return { port, process: child, exited }
}
