/**
 * Whether everything typed here is stored on the relay, from the relay's
 * SAVE_ACK frames (see docs/protocol.md), never from a timer.
 *
 * Per connection the client counts the update frames it sends; the relay
 * acknowledges how many of them it has committed. Edits made while
 * disconnected are not on the relay until the next connection's SYNC step 2
 * (which carries everything the relay lacks) is acknowledged.
 */

/** What the "saved" indicator shows. */
export type SaveState =
  /** Everything typed here is committed on the relay. */
  | 'saved'
  /** Sent, not yet acknowledged. */
  | 'saving'
  /** Edits exist that the relay does not have, and we are not connected. */
  | 'unsaved'

export class SaveTracker {
  private connected = false
  private sent = 0
  private acked = 0
  /** Edits the relay may lack from a connection that ended early or from offline typing. */
  private pendingFromBefore = false
  /** The frame number (this connection) whose acknowledgement covers those edits. */
  private coveredBy = Infinity
  private readonly listeners = new Set<(state: SaveState) => void>()
  private last: SaveState = 'saved'

  /** A connection opened: counters restart, since acknowledgements are per connection. */
  opened(): void {
    this.connected = true
    this.sent = 0
    this.acked = 0
    this.coveredBy = Infinity
    this.changed()
  }

  /** The connection closed: anything not yet acknowledged may be lost there. */
  closed(): void {
    if (this.sent > this.acked) this.pendingFromBefore = true
    this.connected = false
    this.changed()
  }

  /** An outgoing frame; `kind` says whether it carries document content. */
  sentFrame(kind: 'sync-step2' | 'update' | 'other'): void {
    if (kind === 'other') return
    this.sent++
    // A step 2 answers the relay's state vector: it holds all the relay lacks.
    if (kind === 'sync-step2' && this.pendingFromBefore && this.coveredBy === Infinity) this.coveredBy = this.sent
    this.changed()
  }

  /** The relay committed the first `count` update frames of this connection. */
  acknowledged(count: number): void {
    this.acked = Math.max(this.acked, Math.min(count, this.sent))
    if (this.acked >= this.coveredBy) {
      this.pendingFromBefore = false
      this.coveredBy = Infinity
    }
    this.changed()
  }

  /** The local document changed. Offline, that is an edit the relay lacks. */
  localChange(): void {
    if (!this.connected) {
      this.pendingFromBefore = true
      this.changed()
    }
  }

  get state(): SaveState {
    if (!this.connected) return this.pendingFromBefore || this.sent > this.acked ? 'unsaved' : 'saved'
    return this.pendingFromBefore || this.sent > this.acked ? 'saving' : 'saved'
  }

  /** Calls `fn` with the new state whenever it changes. */
  onChange(fn: (state: SaveState) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed(): void {
    const state = this.state
    if (state === this.last) return
    this.last = state
    for (const fn of this.listeners) fn(state)
  }
}
