/**
 * Flushes SQLite's write-ahead log to disk in the background, a little at a
 * time, so that the checkpoint finds little left to flush.
 *
 * At durability 'process' (synchronous=NORMAL) a commit does not fsync; the
 * fsyncs come with the WAL checkpoint SQLite runs inside the commit that
 * grows the log past 1,000 pages, on the relay's thread: first the log
 * (everything written since the last checkpoint, ~4 MB), then the database
 * file, then the log's header when it starts over. Under 2,000 busy
 * documents that was a 7–14 ms stall of the event loop about once a second,
 * the log's fsync alone 4–10 ms (bench/README, tenth round). This flushes
 * the log from libuv's thread pool a short while after each commit, so the
 * checkpoint's own fsync of it has only the last moments to write. Nothing
 * about durability changes: SQLite still makes every fsync it made before;
 * an extra fdatasync of the log never makes a commit less durable.
 */
import { close, fdatasync, open } from 'node:fs'

/** How long after a commit the log is flushed in the background (ms). */
export const WAL_SYNC_DELAY_MS = 100

export class WalSync {
  /** Background flushes finished so far (tests, diagnostics). */
  syncs = 0
  private fd: number | null = null
  private timer: NodeJS.Timeout | null = null
  /** The flush (or the open before it) running in the thread pool, if any. */
  private running: Promise<void> | null = null
  /** A commit came while a flush was running: flush once more after it. */
  private again = false
  private closed = false
  /** Settle the promises nextFlush() handed out. */
  private flushWaiters: Array<() => void> = []

  /**
   * @param walPath the database's `-wal` file (it exists once SQLite wrote to it)
   * @param delayMs how long after a commit the flush starts; commits within it share one flush
   */
  constructor(
    private readonly walPath: string,
    private readonly delayMs = WAL_SYNC_DELAY_MS,
  ) {}

  /** The log grew: flush it a moment from now (once, however many commits come meanwhile). */
  committed(): void {
    if (this.closed || this.timer) return
    if (this.running) {
      this.again = true
      return
    }
    this.timer = setTimeout(() => {
      this.timer = null
      this.running = this.flush().finally(() => {
        this.running = null
        const waiters = this.flushWaiters
        this.flushWaiters = []
        for (const resolve of waiters) resolve()
        if (this.again) {
          this.again = false
          this.committed()
        }
      })
    }, this.delayMs)
    // Not unref'd: a store left unclosed holds the process for one delay at most, and
    // whoever awaits nextFlush() must not find the event loop already gone.
  }

  /** Resolves when the next background flush has finished (or failed: the checkpoint covers it). */
  nextFlush(): Promise<void> {
    return new Promise((resolve) => this.flushWaiters.push(resolve))
  }

  /** Stops flushing; resolves once no flush is running and the file is released. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.running
    if (this.fd !== null) {
      const fd = this.fd
      this.fd = null
      await new Promise<void>((resolve) => close(fd, () => resolve()))
    }
  }

  private async flush(): Promise<void> {
    try {
      // 'r+': a flush needs a handle that may write on some systems; never creates the file.
      this.fd ??= await new Promise<number>((resolve, reject) => open(this.walPath, 'r+', (err, fd) => (err ? reject(err) : resolve(fd))))
      if (this.closed) return
      await new Promise<void>((resolve, reject) => fdatasync(this.fd!, (err) => (err ? reject(err) : resolve())))
      this.syncs += 1
    } catch {
      // Only a head start was lost: the checkpoint flushes the log itself, as it always did.
    }
  }
}
