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

  /** Routes the socket's events to `connection`. */
  bind(connection: Connection, log: Logger): void {
    this.ws.on('message', (data: RawData, isBinary: boolean) => {
      if (connection.isClosing) return
      if (!isBinary) {
        log.warn({ doc: connection.docName }, 'text frame refused')
        connection.close(CloseCode.UNSUPPORTED_DATA)
        return
      }
      connection.receive(toBytes(data))
    })
    this.ws.on('pong', () => connection.pong())
    this.ws.on('close', (code: number) => connection.ended(code))
    this.ws.on('error', (err) => log.warn({ doc: connection.docName, err }, 'connection error'))
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
