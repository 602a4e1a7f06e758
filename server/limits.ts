/**
 * Limits that keep one client from exhausting a small server: how fast a
 * connection may send, and how many connections one address may hold. Each
 * breach becomes a Refusal carrying a close code from shared/protocol.ts.
 */
import { CloseCode, CloseReason } from '../shared/protocol.js'

/** A breach of a limit: close the offending connection with `code`. */
export class Refusal extends Error {
  constructor(
    readonly code: number,
    reason = CloseReason[code] ?? 'refused',
  ) {
    super(reason)
    this.name = 'Refusal'
  }
}

/** The default clock, shared by every connection's budget. */
const monotonicNow = (): number => performance.now()

/** Seconds of sustained rate a connection may spend at once (typing bursts, a paste). */
const BURST_SECONDS = 10

/** Per-connection budget of incoming messages and bytes. */
export interface RateLimits {
  maxMessagesPerSecond: number
  maxBytesPerSecond: number
  /** A single frame of the largest allowed size must always fit the bucket. */
  maxMessageBytes: number
}

/**
 * How much one connection may send; `admit` is called for every frame. Two
 * token buckets (messages, bytes: they refill continuously at the per-second
 * rate up to BURST_SECONDS of it, so short bursts pass and a sustained flood
 * does not), refilled from one clock reading and held as
 * plain fields of one object: a relay holds one of these per connection
 * (10,000 in the many-rooms benchmark), where two bucket objects, their
 * numbers and a clock reference each cost ~200 bytes more per connection.
 */
export class SendBudget {
  private messageTokens: number
  private byteTokens: number
  private last: number

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = monotonicNow,
  ) {
    this.messageTokens = messageCapacity(limits)
    this.byteTokens = byteCapacity(limits)
    this.last = now()
  }

  /** Throws a RATE_LIMITED Refusal when a frame of `size` bytes is over budget. */
  admit(size: number): void {
    const now = this.now()
    const seconds = (now - this.last) / 1000
    this.last = now
    const limits = this.limits
    this.messageTokens = Math.min(messageCapacity(limits), this.messageTokens + seconds * limits.maxMessagesPerSecond)
    this.byteTokens = Math.min(byteCapacity(limits), this.byteTokens + seconds * limits.maxBytesPerSecond)
    if (this.messageTokens < 1) throw new Refusal(CloseCode.RATE_LIMITED, 'too many messages; slow down and reconnect')
    if (size > this.byteTokens) throw new Refusal(CloseCode.RATE_LIMITED, 'too many bytes per second; slow down and reconnect')
    this.messageTokens -= 1
    this.byteTokens -= size
  }
}

function messageCapacity(limits: RateLimits): number {
  return limits.maxMessagesPerSecond * BURST_SECONDS
}

function byteCapacity(limits: RateLimits): number {
  return Math.max(limits.maxBytesPerSecond * BURST_SECONDS, limits.maxMessageBytes)
}

/** Counts open connections per remote address. */
export class ConnectionsPerAddress {
  private readonly counts = new Map<string, number>()

  constructor(private readonly max: number) {}

  /** Counts one more connection from `address`; false when it is at the cap. */
  acquire(address: string): boolean {
    const count = this.counts.get(address) ?? 0
    if (count >= this.max) return false
    this.counts.set(address, count + 1)
    return true
  }

  /** Forgets one connection from `address`. */
  release(address: string): void {
    const count = (this.counts.get(address) ?? 1) - 1
    if (count <= 0) this.counts.delete(address)
    else this.counts.set(address, count)
  }
}

/**
 * Bytes of updates this relay accepted that its store has not committed yet.
 * Normally a group commit's worth; while PostgreSQL is unreachable they wait
 * in memory until it returns, so past `max` the rooms refuse new content
 * (close 4503) rather than let memory grow for as long as the outage lasts.
 * Nothing refused was acknowledged, and the client keeps it to resend.
 */
export class UnsavedBytes {
  private held = 0

  constructor(readonly max: number) {}

  /** Bytes waiting for a commit now. */
  get bytes(): number {
    return this.held
  }

  /**
   * True when taking `n` more bytes would pass the cap. With nothing held,
   * anything is taken, so one message larger than the cap is not refused
   * for ever: the bound is the cap or one message, whichever is larger.
   */
  wouldExceed(n: number): boolean {
    return this.held > 0 && this.held + n > this.max
  }

  hold(n: number): void {
    this.held += n
  }

  /** The commit of `n` held bytes settled (committed or failed). */
  release(n: number): void {
    this.held -= n
  }
}
