/**
 * WAL checkpoints of the SQLite store, mostly off the relay's thread.
 *
 * By default SQLite copies the write-ahead log back into the database file
 * once the log passes 1,000 pages, inside whichever commit crossed that line:
 * it copies those pages, fsyncs the log and the database file (durability
 * `process` makes its fsyncs there) and, at the next commit, fsyncs the log's
 * header as it starts the log over. In the relay's one thread that held up
 * every delivery for those milliseconds, about once a second in a busy room
 * (bench/README.md, fifth round).
 *
 * So a worker thread with its own connection to the same file copies the log
 * into the database file (PASSIVE checkpoints: they never wait for the
 * relay's commits, nor the commits for them) every CHECKPOINT_EVERY_MS, and
 * the relay's connection checkpoints only once the log passes
 * RELAY_CHECKPOINT_PAGES. By then the worker has copied all but its last
 * second or so, so that checkpoint has little left to copy, and it lets the
 * next commit start the log over (measured: a worker's checkpoint alone does
 * not; the relay's commits kept appending to the log). The relay's thread
 * thus pays for the log's start-over and the last copy once per
 * RELAY_CHECKPOINT_PAGES pages instead of once per 1,000, and the log file
 * grows to about that size (32 MiB) instead of 4 MiB.
 *
 * Durability is unchanged: a commit is durable once it is in the log, as
 * before; a checkpoint only moves it into the database file. If the worker
 * cannot start or dies, the relay's connection takes the checkpoints back
 * (SQLite's default).
 */
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type Database from 'better-sqlite3'

/** How often the worker checkpoints (SQLite's default does it every 1,000 pages, ~1.5 s of a busy room). */
export const CHECKPOINT_EVERY_MS = 1000

/** Past this many pages in the log (32 MiB of 4 KiB pages), the relay's connection checkpoints and the log starts over. */
export const RELAY_CHECKPOINT_PAGES = 8192

/** SQLite's default: checkpoint in the commit that grows the log past this many pages. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000

// The worker's code, run as a script (`eval`): the same in the esbuild bundle
// and under tsx, with no second entry point to build and find.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('busy_timeout = 1000')
let last = -1
const checkpoint = () => {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)')
  if (result.checkpointed === last) return
  last = result.checkpointed
  parentPort.postMessage(result)
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

/** A checkpoint as SQLite reports it: pages in the log, and how many of them are in the database file now. */
export interface CheckpointResult {
  busy: number
  log: number
  checkpointed: number
}

/** Emits 'checkpoint' (CheckpointResult) after each of the worker's checkpoints that copied pages. */
export class Checkpointer extends EventEmitter {
  private readonly worker: Worker
  private readonly done: Promise<void>
  private closing = false

  constructor(
    private readonly db: Database.Database,
    file: string,
    everyMs = CHECKPOINT_EVERY_MS,
  ) {
    super()
    db.pragma(`wal_autocheckpoint = ${RELAY_CHECKPOINT_PAGES}`)
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs } })
    // Never keeps the process alive by itself; close() ends it.
    this.worker.unref()
    this.worker.on('message', (result: CheckpointResult) => this.emit('checkpoint', result))
    this.worker.on('error', (err) => this.emit('failed', err))
    this.done = new Promise((resolve) => {
      this.worker.once('exit', () => {
        // Died on its own: SQLite's default again, so the log never grows without bound.
        if (!this.closing && this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`)
        resolve()
      })
    })
  }

  /** Checkpoints once more, then stops the worker and closes its connection. */
  async close(): Promise<void> {
    this.closing = true
    // Waited for: the process stays up until the worker's connection is closed.
    this.worker.ref()
    this.worker.postMessage('close')
    await this.done
  }
}
