/**
 * One group commit: the write operations gathered in one turn of the event
 * loop. Both stores (SQLite, PostgreSQL) queue into a Batch and settle it
 * once its single transaction committed or failed. The batch commits or
 * fails as a whole, so every operation in it shares one promise: a relay
 * under load hands the store thousands of updates a second, and a promise
 * with its resolvers for each of them was garbage the relay made per update.
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
