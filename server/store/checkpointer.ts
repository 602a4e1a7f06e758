/**
 * WAL checkpoints of the SQLite store, off the relay's thread.
 *
 * SQLite copies the write-ahead log back into the database file once the log
 * passes 1,000 pages, inside whichever commit crossed that line, and at
 * durability `process` that copy is where the fsyncs happen. In the relay's
 * one thread that commit then blocked everything for ~4-6 ms (every ~250
 * group commits of scenario 1, about once a second), and every delivery due
 * meanwhile waited (bench/README.md, fifth round). So a worker thread with
 * its own connection to the same file runs PASSIVE checkpoints every
 * CHECKPOINT_EVERY_MS: they never wait for the relay's commits and the
 * commits never wait for them. The relay's connection checkpoints only past
 * RELAY_AUTOCHECKPOINT pages, which a worker that keeps up never lets happen. Durability is unchanged: a commit is durable once it is in the
 * log, as before; the checkpoint only moves it into the database file.
 *
 * If the worker cannot start or dies, the relay's connection takes the
 * checkpoints back (SQLite's default), so the log never grows without bound.
 */
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'

/** How often the worker checkpoints (SQLite's default does it every 1,000 pages, ~1 s of a busy room). */
export const CHECKPOINT_EVERY_MS = 1000

/** SQLite's default: checkpoint in the commit that grows the log past this many pages. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000

/**
 * The relay's own connection still checkpoints a log this long (64 MiB of
 * 4 KiB pages): a safety net for a flood of commits the worker cannot catch
 * up with, which SQLite's default would have checkpointed every 4 MiB.
 */
const RELAY_AUTOCHECKPOINT = 16_384

/** Checkpoints in a row, at most, to catch up with commits made during the previous one. */
const CATCH_UP_ROUNDS = 8

// The worker's code, run as a script (`eval`): the same in the esbuild bundle
// and under tsx, with no second entry point to build and find.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('busy_timeout = 1000')
let reported = ''
const checkpoint = () => {
  let result
  // Again while commits landed meanwhile: only a log copied to its end can be started over.
  for (let round = 0; round < workerData.rounds; round++) {
    ;[result] = db.pragma('wal_checkpoint(PASSIVE)')
    if (result.busy || result.checkpointed === result.log) break
  }
  const state = result.log + '/' + result.checkpointed
  if (result.log <= 0 || state === reported) return
  reported = state
  parentPort.postMessage({ ...result, at: process.hrtime.bigint() })
}
const timer = setInterval(checkpoint, workerData.everyMs)
parentPort.on('message', (message) => {
  if (message !== 'close') return
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort.close()
})
`

/** What the worker reports: SQLite's pages in the log and copied from it, and when (process.hrtime). */
export interface CheckpointResult {
  busy: number
  log: number
  checkpointed: number
  at: bigint
}

/** Emits 'checkpoint' (CheckpointResult) after each checkpoint that found a log changed since the last. */
export class Checkpointer extends EventEmitter {
  private readonly worker: Worker
  /** process.hrtime of the relay's last commit (the same clock in every thread). */
  private lastCommit = 0n
  private readonly done: Promise<void>
  private closing = false

  constructor(
    private readonly db: Database.Database,
    file: string,
    everyMs = CHECKPOINT_EVERY_MS,
  ) {
    super()
    db.pragma(`wal_autocheckpoint = ${RELAY_AUTOCHECKPOINT}`)
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs, rounds: CATCH_UP_ROUNDS } })
    // Never keeps the process alive by itself; close() ends it.
    this.worker.unref()
    this.worker.on('message', (result: CheckpointResult) => {
      if (result.checkpointed === result.log && this.lastCommit < result.at) this.restartLog()
      this.emit('checkpoint', result)
    })
    this.worker.on('error', (err) => this.emit('failed', err))
    this.done = new Promise((resolve) => {
      this.worker.once('exit', () => {
        if (!this.closing) this.takeBack()
        resolve()
      })
    })
  }

  /** The store committed a transaction (see restartLog). */
  committed(): void {
    this.lastCommit = process.hrtime.bigint()
  }

  /** Checkpoints once more, then stops the worker and closes its connection. */
  async close(): Promise<void> {
    this.closing = true
    // Waited for: the process stays up until the worker's connection is closed.
    this.worker.ref()
    this.worker.postMessage('close')
    await this.done
  }

  /**
   * Measured: with only the worker checkpointing, the relay's commits kept
   * appending to the log (it grew past 50 MB in a test) instead of starting it
   * over, although every page was copied. A PASSIVE checkpoint on the relay's
   * own connection after the worker's lets the next commit start the log
   * over. It is run only when nothing was committed since the worker's last
   * round, so it has nothing to copy and no fsync to make (~0.1 ms); after a
   * commit it waits for the next round.
   */
  private restartLog(): void {
    if (this.db.open) this.db.pragma('wal_checkpoint(PASSIVE)')
  }

  /** The relay's connection checkpoints again, as SQLite does by default. */
  private takeBack(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`)
  }
}
