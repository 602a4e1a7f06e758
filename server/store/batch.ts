/**
 * One group commit: the write operations gathered in one turn of the event
 * loop, and the promises of their callers. Both stores (SQLite, PostgreSQL)
 * queue into a Batch and settle it once its single transaction committed or
 * failed, so every caller learns the fate of its own write.
 */

/** A write a store commits as part of a batch. */
export type StoreOp =
  | { kind: 'append'; name: string; data: Uint8Array }
  | { kind: 'compact'; name: string; data: Uint8Array }
  | { kind: 'title'; name: string; title: string }

export class Batch {
  readonly ops: StoreOp[] = []
  private readonly waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = []

  /** Adds `op`; the promise settles when the batch does. */
  add(op: StoreOp): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ops.push(op)
      this.waiters.push({ resolve, reject })
    })
  }

  /** The batch is committed: every caller's write is durable. */
  committed(): void {
    for (const w of this.waiters) w.resolve()
  }

  /** The batch failed: no write in it is durable. */
  failed(err: Error): void {
    for (const w of this.waiters) w.reject(err)
  }
}
