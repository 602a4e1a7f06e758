/**
 * One client connection, whatever carries it (a WebSocket, or an HTTP
 * session: server/transport/): frames in -> its room, frames out with a cap
 * on what may wait unsent, refusals with close codes, and liveness.
 *
 * The transport only moves bytes; everything the relay promises about a peer
 * (queueing while the room loads, the send budget, the slow-consumer cap,
 * close codes, metrics) lives here once.
 */
import type { Logger } from 'pino'
import { CloseCode, CloseReason } from '../../shared/protocol.js'
import type { Peer, Room } from './room.js'
import type { Rooms } from './rooms.js'
import { Refusal, type SendBudget } from '../limits.js'

/**
 * Settings and hooks shared by every connection of a relay: one object, not
 * one per connection (a relay may hold tens of thousands).
 */
export interface ConnectionOptions {
  /** A peer whose unsent bytes pass this is disconnected. */
  maxBufferedBytes: number
  /** Told about every frame in and out and every close the relay initiates (metrics). */
  observer?: ConnectionObserver
  /** Called once when a connection has ended, however it ended. */
  onClosed?: (connection: Connection) => void
  log: Logger
}

/** What was decided about one peer when it was admitted. */
export interface PeerAdmission {
  /** False for a read-only peer (decided at admission from its token). */
  canWrite: boolean
  /** What this peer may send per second; a breach closes it. */
  budget: SendBudget
  /** The peer's remote address (counted against the per-address limit). */
  address: string
}

/** Hooks for counting traffic without the connection knowing about metrics. */
export interface ConnectionObserver {
  received(frame: Uint8Array): void
  sent(frame: Uint8Array): void
  closedByRelay(code: number): void
}

/**
 * What carries a connection's frames. The transport calls back into the
 * Connection (`receive`, `pong`, `ended`) when the peer speaks or leaves.
 */
export interface Transport {
  /** Bytes handed to `send` that have not left this process yet. */
  readonly bufferedAmount: number
  send(frame: Uint8Array): void
  /** Says goodbye with `code`; `ended` follows once the peer is gone. */
  close(code: number, reason: string): void
  /** Cuts the peer off at once, without a goodbye. */
  terminate(): void
  /** Asks the peer to prove it is alive; an answer calls `Connection.pong`. */
  ping(): void
}

export class Connection implements Peer {
  /** Created when the peer first announces presence: most peers of a busy relay never hold one. */
  awarenessIds: Set<number> | null = null
  readonly canWrite: boolean
  readonly address: string
  private readonly budget: SendBudget
  updatesReceived = 0
  wantsSaveAcks = false
  private room: Room | null = null
  /** Frames received while the document was still loading. */
  private queued: Uint8Array[] | null = []
  private alive = true
  private closing = false
  private ended_ = false

  constructor(
    private readonly transport: Transport,
    readonly docName: string,
    rooms: Rooms,
    private readonly options: ConnectionOptions,
    admission: PeerAdmission,
  ) {
    this.canWrite = admission.canWrite
    this.address = admission.address
    this.budget = admission.budget
    rooms.join(docName, this).then(
      (room) => {
        if (this.closing) {
          room.leave(this)
          return
        }
        this.room = room
        const queued = this.queued ?? []
        this.queued = null
        for (const frame of queued) if (!this.closing) this.handle(frame)
      },
      (err: unknown) =>
        err instanceof Refusal ? this.refuse(err) : this.close(CloseCode.STORE_FAILED, 'could not load the document; try again'),
    )
  }

  /** True once the relay or the peer began closing; nothing more is sent or handled. */
  get isClosing(): boolean {
    return this.closing
  }

  send(frame: Uint8Array): void {
    if (this.closing) return
    if (this.transport.bufferedAmount + frame.byteLength > this.options.maxBufferedBytes) {
      this.options.log.warn({ doc: this.docName, buffered: this.transport.bufferedAmount }, 'slow consumer disconnected')
      this.close(CloseCode.SLOW_CONSUMER)
      return
    }
    this.transport.send(frame)
    this.options.observer?.sent(frame)
  }

  close(code: number, reason = CloseReason[code] ?? ''): void {
    if (this.closing) return
    this.closing = true
    this.options.observer?.closedByRelay(code)
    this.room?.leave(this)
    this.transport.close(code, reason)
  }

  /**
   * Called on every heartbeat tick: a peer that did not answer the previous
   * ping is dead and is cut; a live one is pinged again.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.options.log.info({ doc: this.docName }, 'no pong; terminating dead connection')
      this.transport.terminate()
      return
    }
    this.alive = false
    this.transport.ping()
  }

  /** The transport: the peer answered a ping. */
  pong(): void {
    this.alive = true
  }

  /** The transport: one binary frame from the peer. */
  receive(frame: Uint8Array): void {
    if (this.closing) return
    this.options.observer?.received(frame)
    try {
      this.budget.admit(frame.byteLength)
    } catch (err) {
      this.refuse(err as Refusal)
      return
    }
    if (this.queued) this.queued.push(frame)
    else this.handle(frame)
  }

  /** The transport: the peer is gone (closed, dropped, expired). Its presence leaves the room. */
  ended(code: number): void {
    if (this.ended_) return
    this.ended_ = true
    this.closing = true
    this.room?.leave(this)
    this.options.log.info({ doc: this.docName, code }, 'connection closed')
    this.options.onClosed?.(this)
  }

  private handle(frame: Uint8Array): void {
    try {
      this.room!.receive(this, frame)
    } catch (err) {
      if (err instanceof Refusal) return this.refuse(err)
      // Only this peer is at fault: the document and every other peer go on.
      this.options.log.warn({ doc: this.docName, err: (err as Error).message }, 'invalid message; closing connection')
      this.close(CloseCode.INVALID_MESSAGE, `invalid message: ${(err as Error).message}`.slice(0, 120))
    }
  }

  /** A limit was breached: only this peer is closed; nothing it sent was stored. */
  private refuse(refusal: Refusal): void {
    this.options.log.warn({ doc: this.docName, code: refusal.code, reason: refusal.message }, 'limit breached; closing connection')
    this.close(refusal.code, refusal.message)
  }
}
