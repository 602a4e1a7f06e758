/**
 * A `ws` WebSocket as a connection's transport: binary frames both ways,
 * ping/pong for liveness, and a bounded wait for the closing handshake.
 */
import type { WebSocket, RawData } from 'ws'
import type { Logger } from 'pino'
import { CloseCode } from '../../shared/protocol.js'
import type { Connection, Transport } from '../relay/connection.js'
import type { Duplex } from 'node:stream'
import { corkForThisTick } from './cork.js'

/** How long a closing socket may take to say goodbye before it is cut. */
const CLOSE_TIMEOUT_MS = 5_000

/** Wraps `ws`; call `bind` once the Connection exists to start delivering its events. */
export class WebSocketTransport implements Transport {
  constructor(private readonly ws: WebSocket) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount
  }

  send(frame: Uint8Array): void {
    // ws keeps its socket private; without one (a closed socket) there is nothing to batch.
    const socket = (this.ws as unknown as { _socket?: Duplex | null })._socket
    if (socket) corkForThisTick(socket)
    this.ws.send(frame)
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason)
    // A peer that is not reading will never complete the close handshake.
    setTimeout(() => this.ws.terminate(), CLOSE_TIMEOUT_MS).unref()
  }

  terminate(): void {
    this.ws.terminate()
  }

  ping(): void {
    this.ws.ping()
  }

  /**
   * Routes the socket's events to `connection`. The listeners are shared
   * functions that find this transport through the socket, not closures made
   * per socket: a relay holds tens of thousands of sockets.
   */
  bind(connection: Connection, log: Logger): void {
    this.connection = connection
    this.log = log
    ;(this.ws as BoundSocket)[TRANSPORT] = this
    this.ws.on('message', onMessage)
    this.ws.on('pong', onPong)
    this.ws.on('close', onClose)
    this.ws.on('error', onError)
  }

  /** Set by `bind`. */
  private connection: Connection | null = null
  private log: Logger | null = null

  /** ws: one frame from the peer. */
  received(data: RawData, isBinary: boolean): void {
    const connection = this.connection!
    if (connection.isClosing) return
    if (!isBinary) {
      this.log!.warn({ doc: connection.docName }, 'text frame refused')
      connection.close(CloseCode.UNSUPPORTED_DATA)
      return
    }
    connection.receive(toBytes(data))
  }

  /** ws: the peer answered a ping. */
  ponged(): void {
    this.connection!.pong()
  }

  /** ws: the socket closed. */
  closed(code: number): void {
    this.connection!.ended(code)
  }

  /** ws: the socket failed (ws closes it; 'close' follows). */
  failed(err: Error): void {
    this.log!.warn({ doc: this.connection!.docName, err }, 'connection error')
  }
}

/** The socket's property pointing back at its transport (set by `bind`). */
const TRANSPORT = Symbol('transport')
type BoundSocket = WebSocket & { [TRANSPORT]: WebSocketTransport }

function transportOf(ws: WebSocket): WebSocketTransport {
  return (ws as BoundSocket)[TRANSPORT]
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  transportOf(this).received(data, isBinary)
}

function onPong(this: WebSocket): void {
  transportOf(this).ponged()
}

function onClose(this: WebSocket, code: number): void {
  transportOf(this).closed(code)
}

function onError(this: WebSocket, err: Error): void {
  transportOf(this).failed(err)
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
