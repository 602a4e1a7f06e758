/**
 * One client socket: frames in -> its room, frames out with a cap on what may
 * wait in the outgoing buffer, and liveness by ping/pong.
 */
import type { WebSocket, RawData } from 'ws'
import type { Logger } from 'pino'
import { CloseCode, CloseReason } from '../../shared/protocol.js'
import type { Peer, Room } from './room.js'
import type { Rooms } from './rooms.js'
import { Refusal, type SendBudget } from '../limits.js'
import { corkForThisTick } from './cork.js'
import type { Duplex } from 'node:stream'

export interface ConnectionOptions {
  /** A peer whose unsent bytes pass this is disconnected. */
  maxBufferedBytes: number
  /** False for a read-only peer (decided at the upgrade from its token). */
  canWrite: boolean
  /** What this peer may send per second; a breach closes it. */
  budget: SendBudget
  /** Told about every frame in and out and every close the relay initiates (metrics). */
  observer?: ConnectionObserver
  log: Logger
}

/** Hooks for counting traffic without the connection knowing about metrics. */
export interface ConnectionObserver {
  received(frame: Uint8Array): void
  sent(frame: Uint8Array): void
  closedByRelay(code: number): void
}

/** How long a closing socket may take to say goodbye before it is cut. */
const CLOSE_TIMEOUT_MS = 5_000

export class Connection implements Peer {
  readonly awarenessIds = new Set<number>()
  readonly canWrite: boolean
  updatesReceived = 0
  wantsSaveAcks = false
  private room: Room | null = null
  /** Frames received while the document was still loading. */
  private queued: Uint8Array[] | null = []
  private alive = true
  private closing = false

  constructor(
    private readonly ws: WebSocket,
    readonly docName: string,
    rooms: Rooms,
    private readonly options: ConnectionOptions,
  ) {
    this.canWrite = options.canWrite
    ws.on('message', this.onMessage)
    ws.on('pong', () => {
      this.alive = true
    })
    ws.on('close', (code: number) => {
      this.closing = true
      this.room?.leave(this)
      this.options.log.info({ doc: docName, code }, 'connection closed')
    })
    ws.on('error', (err) => this.options.log.warn({ doc: docName, err }, 'connection error'))

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

  send(frame: Uint8Array): void {
    if (this.closing) return
    if (this.ws.bufferedAmount + frame.byteLength > this.options.maxBufferedBytes) {
      this.options.log.warn({ doc: this.docName, buffered: this.ws.bufferedAmount }, 'slow consumer disconnected')
      this.close(CloseCode.SLOW_CONSUMER)
      return
    }
    // ws keeps its socket private; without one (a closed socket) there is nothing to batch.
    const socket = (this.ws as unknown as { _socket?: Duplex | null })._socket
    if (socket) corkForThisTick(socket)
    this.ws.send(frame)
    this.options.observer?.sent(frame)
  }

  close(code: number, reason = CloseReason[code] ?? ''): void {
    if (this.closing) return
    this.closing = true
    this.options.observer?.closedByRelay(code)
    this.room?.leave(this)
    this.ws.close(code, reason)
    // A peer that is not reading will never complete the close handshake.
    setTimeout(() => this.ws.terminate(), CLOSE_TIMEOUT_MS).unref()
  }

  /**
   * Called on every heartbeat tick: a peer that did not answer the previous
   * ping is dead and is cut; a live one is pinged again.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.options.log.info({ doc: this.docName }, 'no pong; terminating dead connection')
      this.ws.terminate()
      return
    }
    this.alive = false
    this.ws.ping()
  }

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    if (this.closing) return
    if (!isBinary) {
      this.options.log.warn({ doc: this.docName }, 'text frame refused')
      this.close(CloseCode.UNSUPPORTED_DATA)
      return
    }
    const frame = toBytes(data)
    this.options.observer?.received(frame)
    try {
      this.options.budget.admit(frame.byteLength)
    } catch (err) {
      this.refuse(err as Refusal)
      return
    }
    if (this.queued) this.queued.push(frame)
    else this.handle(frame)
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

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
