/**
 * Liveness pings, spread over the ping interval. Each connection is pinged
 * once per interval, as before, but the connections are split into slices
 * and one slice is pinged per tick. Pinging every connection in one tick (and
 * reading every pong right after) stalled the relay for most of a second
 * with 10,000 connections, once per interval, which set the p99 latency of
 * the many-rooms benchmark.
 */

/** Something that is pinged (and, when it stopped answering, cut) once per interval. */
export interface Pingable {
  heartbeat(): void
}

export class Heartbeat<T extends Pingable> {
  private readonly slices: Set<T>[]
  /** Slice that takes the next member (round robin, so slices stay even). */
  private nextSlice = 0
  /** Slice pinged on the next tick. */
  private tick = 0
  private readonly timer: NodeJS.Timeout

  constructor(intervalMs: number, sliceCount = 30) {
    this.slices = Array.from({ length: sliceCount }, () => new Set<T>())
    this.timer = setInterval(() => {
      const slice = this.slices[this.tick]!
      this.tick = (this.tick + 1) % this.slices.length
      for (const member of slice) member.heartbeat()
    }, intervalMs / sliceCount)
    this.timer.unref()
  }

  add(member: T): void {
    this.slices[this.nextSlice]!.add(member)
    this.nextSlice = (this.nextSlice + 1) % this.slices.length
  }

  delete(member: T): void {
    for (const slice of this.slices) if (slice.delete(member)) return
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
