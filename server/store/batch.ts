/**
 * One group commit: the write operations gathered in one turn of the event
 * loop. Both stores (SQLite, PostgreSQL) queue into a Batch and settle it
 * once its single transaction committed or failed. The batch commits or
 * fails as a whole, so every operation in it shares one promise: a relay
 * under load hands the store thousands of updates a second, and a promise
 * with its resolvers for each of them was garbage the relay made per update.
 * GroupCommitStore below is the part of both stores that fills the batch.
 */

import type { StateWith } from './store.js'

/** A write a store commits as part of a batch. */
export type StoreOp =
  | { kind: 'append'; name: string; data: Uint8Array }
  | { kind: 'compact'; name: string; state: StateWith }
  | { kind: 'title'; name: string; title: string }

export class Batch {
  readonly ops: StoreOp[] = []
  /** Settles when the batch does: the fate of every write in it. */
  private readonly settled: Promise<void>
  private resolve!: () => void
  private reject!: (err: Error) => void

  constructor() {
    this.settled = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  /** Adds `op`; the promise (the same for every op of this batch) settles when the batch does. */
  add(op: StoreOp): Promise<void> {
    this.ops.push(op)
    return this.settled
  }

  /** The batch is committed: every caller's write is durable. */
  committed(): void {
    this.resolve()
  }

  /** The batch failed: no write in it is durable. */
  failed(err: Error): void {
    this.reject(err)
  }
}

/**
 * The commit gap (`minCommitGapMs`) is waited out only while writes arrive
 * more often than one per BUSY_WRITE_INTERVAL_MS on average. Under that rate
 * the gap gathers nothing a commit per turn would not, but it still delays
 * the updates that happen to arrive just after a commit: at 200 updates a
 * second (scenario 1) it added ~0.3–0.4 ms to the p99 from append to commit
 * and saved no CPU, while at 2,000 a second (scenario 2) it cut the relay's
 * CPU by a tenth (bench/README.md, ninth and tenth rounds).
 */
const BUSY_WRITE_INTERVAL_MS = 2
/** The average's starting point and ceiling: an idle store, so a burst must last before the gap applies. */
const IDLE_WRITE_INTERVAL_MS = 50
/** Weight of each new interval in the average (about the last 20 writes count). */
const WRITE_INTERVAL_SMOOTHING = 0.05

/**
 * The write side both stores share: every write joins the pending batch, and
 * one turn of the event loop after a batch's first write the store writes it
 * (`flushPending`). Subclasses decide how a batch is written and how they close.
 */
export abstract class GroupCommitStore {
  /** The batch gathering this turn's writes (null when none is waiting). */
  protected pending: Batch | null = null
  protected closed = false
  /**
   * Least time from the start of one commit to the start of the next (ms);
   * 0 commits in every turn of the event loop that has writes. A store sets
   * it when each commit has a cost of its own that gathering saves.
   */
  protected minCommitGapMs = 0
  /** When the last gathered batch was handed to flushPending (performance.now()). */
  private lastFlushAt = -Infinity
  /** When the last write arrived (performance.now()). */
  private lastWriteAt = -Infinity
  /** Moving average of the time between writes (ms), at most IDLE_WRITE_INTERVAL_MS. */
  private writeIntervalMs = IDLE_WRITE_INTERVAL_MS
  /** Set while a gathered batch waits for the gap to pass. */
  private gapTimer: NodeJS.Timeout | null = null

  append(name: string, update: Uint8Array): Promise<void> {
    return this.enqueue({ kind: 'append', name, data: update })
  }

  compact(name: string, state: StateWith): Promise<void> {
    return this.enqueue({ kind: 'compact', name, state })
  }

  setTitle(name: string, title: string): Promise<void> {
    return this.enqueue({ kind: 'title', name, title })
  }

  /** Writes the pending batch, or chains it after the one being written. */
  protected abstract flushPending(): void

  private enqueue(op: StoreOp): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'))
    const now = performance.now()
    const interval = Math.min(now - this.lastWriteAt, IDLE_WRITE_INTERVAL_MS)
    this.lastWriteAt = now
    this.writeIntervalMs += (interval - this.writeIntervalMs) * WRITE_INTERVAL_SMOOTHING
    if (!this.pending) {
      this.pending = new Batch()
      // Gather what arrives in this turn of the event loop (and, for a store
      // that commits asynchronously, while the previous batch is in flight),
      // or, while writes come fast enough for gathering to pay, until the gap
      // since the last commit has passed.
      const busy = this.writeIntervalMs < BUSY_WRITE_INTERVAL_MS
      const wait = busy ? this.lastFlushAt + this.minCommitGapMs - now : 0
      if (wait > 0) this.gapTimer = setTimeout(this.flushGathered, wait)
      else setImmediate(this.flushGathered)
    }
    return this.pending.add(op)
  }

  private readonly flushGathered = (): void => {
    this.gapTimer = null
    this.lastFlushAt = performance.now()
    this.flushPending()
  }

  /** Drops the wait for the gap (a closing store writes its batch at once and keeps no timer). */
  protected stopWaitingForGap(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer)
    this.gapTimer = null
  }
}
