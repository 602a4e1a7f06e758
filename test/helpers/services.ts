/**
 * Real PostgreSQL and Redis servers for tests: Debian's binaries, started on
 * free loopback ports in temp folders and stopped afterwards. Start them once
 * per test file (initdb takes about a second), not once per test.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** A free TCP port on 127.0.0.1 (free when asked; servers bind it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Retries `attempt` until it resolves; gives up after `timeoutMs`. */
async function retryUntil<T>(what: string, attempt: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await attempt()
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not come up: ${(err as Error).message}`)
      // A server that is still starting refuses connections for a moment.
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** Servers still running, stopped even if the test process ends abruptly. */
const running = new Set<() => void>()
process.once('exit', () => {
  for (const kill of running) kill()
})

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** A server process that can be stopped and started again on the same port. */
export interface Service {
  readonly port: number
  readonly url: string
  /** Stops the server (it may be started again). */
  stop(): Promise<void>
  /** Starts it again after stop(), same port, same data. */
  start(): Promise<void>
  /** Stops it for good and removes its files. */
  destroy(): Promise<void>
}

/** The newest installed PostgreSQL's bin folder (/usr/lib/postgresql/<version>/bin). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  if (!versions[0]) throw new Error('PostgreSQL is not installed (apt-get install postgresql)')
  return join(root, versions[0], 'bin')
}

/**
 * PostgreSQL refuses to run as root, so as root every command runs as the
 * `postgres` user that Debian's package creates.
 */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
}

/**
 * Starts a fresh PostgreSQL cluster (initdb + postgres, fsync on). Its URL
 * connects as superuser `tandem` to database `postgres`.
 */
export interface PostgresService extends Service {
  /** Creates database `name`; resolves with its URL. */
  createDatabase(name: string): Promise<string>
  /** The URL of a database per key, created on first use: the same key opens the same data. */
  database(key: string): Promise<string>
}

export async function startPostgres(): Promise<PostgresService> {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pg-'))
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    chownSync(dir, uid, gid)
  }
  const dataDir = join(dir, 'data')
  const [initdb, initArgs] = asPostgresUser(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'tandem', '-N', '-E', 'UTF8', '--locale=C'])
  execFileSync(initdb, initArgs, { stdio: 'ignore' })
  const port = await freePort()
  const url = `postgres://tandem@127.0.0.1:${port}/postgres`
  let child: ChildProcess | null = null

  const createDatabase = async (name: string): Promise<string> => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(`CREATE DATABASE "${name}"`)
    await client.end()
    return url.replace(/\/postgres$/, `/${name}`)
  }
  const databases = new Map<string, Promise<string>>()
  const start = async () => {
    const [cmd, args] = asPostgresUser(join(bin, 'postgres'), [
      '-D', dataDir, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=on',
    ])
    const proc = spawn(cmd, args, { stdio: 'ignore' })
    child = proc
    const kill = () => {
      try {
        process.kill(Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT')
      } catch {
        // already gone
      }
    }
    running.add(kill)
    void exited(proc).then(() => running.delete(kill))
    let gone = false
    void exited(proc).then(() => (gone = true))
    await retryUntil('PostgreSQL', async () => {
      if (gone) throw new Error('postgres exited')
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => undefined)
      try {
        await client.connect()
        await client.query('SELECT 1')
      } finally {
        await client.end().catch(() => undefined)
      }
    })
  }
  const stop = async () => {
    const proc = child
    child = null
    if (!proc) return
    // SIGINT is PostgreSQL's "fast shutdown": clients are cut, commits kept.
    // It goes to the postmaster itself (its pid file), since runuser does
    // not forward signals.
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    process.kill(pid, 'SIGINT')
    await exited(proc)
  }
  await start()
  return {
    port,
    url,
    start,
    stop,
    destroy: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
    createDatabase,
    database: async (key) => {
      let created = databases.get(key)
      if (!created) {
        created = createDatabase(`k_${key.replace(/\W/g, '_')}`)
        databases.set(key, created)
      }
      return created
    },
  }
}

/** Sends PING over a raw socket; resolves on +PONG. */
function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('error', reject)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      if (data.toString().startsWith('+PONG')) resolve()
      else reject(new Error(`unexpected reply ${data.toString().trim()}`))
    })
  })
}

/** Starts redis-server without persistence: a restart loses everything. */
export async function startRedis(): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-redis-'))
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
    child = proc
    const kill = () => proc.kill('SIGKILL')
    running.add(kill)
    void exited(proc).then(() => running.delete(kill))
    let gone = false
    void exited(proc).then(() => (gone = true))
    await retryUntil('Redis', async () => {
      if (gone) throw new Error('redis-server exited')
      await redisPing(port)
    })
  }
  const stop = async () => {
    const proc = child
    child = null
    if (!proc) return
    proc.kill('SIGKILL')
    await exited(proc)
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    destroy: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
