/**
 * How a load client reaches Tandem in the transport comparison (scenario 8):
 * through Tandem's own client socket class (client/sync/fallback-socket.ts)
 * forced to one transport, with every byte its TCP sockets read and write
 * counted, so the figures include HTTP headers, chunked encoding, SSE text and
 * WebSocket framing, not just payloads.
 *
 * A worker runs one transport at a time (`useTransport`); without one, load
 * clients open a plain `ws` socket as in every other scenario.
 */
import { EventEmitter } from 'node:events'
import net, { type Socket } from 'node:net'
import WebSocket from 'ws'
import { Agent, buildConnector, fetch as undiciFetch } from 'undici'
import { fallbackWebSocket, type TransportKind } from '../../client/sync/fallback-socket.js'
import { leanFetch } from './lean-fetch.js'

/** The transports compared: the three Tandem offers, and naive short polling. */
export type ClientTransport = 'websocket' | 'streaming' | 'polling' | 'short-poll'
export const CLIENT_TRANSPORTS: readonly ClientTransport[] = ['websocket', 'streaming', 'polling', 'short-poll']

/** Naive short polling asks once per second. */
export const SHORT_POLL_INTERVAL_MS = 1000

/** Bytes read and written on TCP sockets, both directions, since the worker started. */
export interface WireBytes {
  /** Relay to client. */
  read: number
  /** Client to relay. */
  written: number
}

/** Counts what the tracked sockets read and wrote, including sockets already closed. */
class WireMeter {
  private readonly open = new Set<Socket>()
  private closed: WireBytes = { read: 0, written: 0 }

  track(socket: Socket): Socket {
    this.open.add(socket)
    socket.once('close', () => {
      this.open.delete(socket)
      this.closed.read += socket.bytesRead
      this.closed.written += socket.bytesWritten
    })
    return socket
  }

  total(): WireBytes {
    const total = { ...this.closed }
    for (const socket of this.open) {
      total.read += socket.bytesRead
      total.written += socket.bytesWritten
    }
    return total
  }
}

const meter = new WireMeter()

/** Bytes on the wire of this worker's transport clients so far. */
export function wireBytes(): WireBytes {
  return meter.total()
}

/** The socket API LoadClient uses: a subset of `ws`'s. */
export interface LoadSocket extends EventEmitter {
  binaryType: string
  send(frame: Uint8Array): void
  terminate(): void
}

let transport: ClientTransport | null = null

/** The transport this worker's next clients use (null: plain `ws`, uncounted). */
export function useTransport(next: ClientTransport | null): void {
  transport = next
}

/** Opens a socket to `url` (ws://host/ws/<doc>) on the current transport. */
export function openLoadSocket(url: string): LoadSocket {
  if (!transport) return new WebSocket(url, { perMessageDeflate: false }) as unknown as LoadSocket
  return new CountedTransportSocket(url, transport)
}

/** `ws`, with its TCP connection counted; what the fallback class uses as its real WebSocket. */
class CountedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, {
      perMessageDeflate: false,
      // As ws's own netConnect: `path` is the request path here, which net.connect would take for a Unix socket.
      createConnection: ((options: net.TcpNetConnectOpts & { socketPath?: string }) =>
        meter.track(net.connect({ ...options, path: options.socketPath } as net.NetConnectOpts))) as typeof net.createConnection,
    })
  }
}

const connectTcp = buildConnector({})

/**
 * One simulated browser: the fallback socket class forced to `kind`, over
 * its own connection pool (a browser's own keep-alive connections), counted.
 */
class CountedTransportSocket extends EventEmitter implements LoadSocket {
  binaryType = 'nodebuffer'
  private readonly socket: globalThis.WebSocket
  private readonly agent: Agent

  constructor(url: string, kind: ClientTransport) {
    super()
    const agent = new Agent({
      connect: (options, callback) =>
        connectTcp(options, (err, socket) => {
          if (socket) meter.track(socket as Socket)
          callback(err, socket as never)
        }),
    })
    this.agent = agent
    const lean = leanFetch(agent)
    const fetchVia = ((input: string, init?: RequestInit) => {
      // A stream is read through web streams (Node's fetch); polls and uploads through the lean one.
      const answer = /\/stream\?/.test(input) ? undiciFetch(input, { ...(init as object), dispatcher: agent }) : lean(input, init)
      // Leaving (DELETE) is the session's last request: then its connections can go.
      if (init?.method === 'DELETE') answer.finally(() => agent.close()).catch(() => undefined)
      return answer
    }) as unknown as typeof fetch
    const force: TransportKind = kind === 'short-poll' ? 'polling' : kind
    const Socket = fallbackWebSocket({
      WebSocket: CountedWebSocket as unknown as typeof globalThis.WebSocket,
      fetch: fetchVia,
      force,
      shortPollIntervalMs: kind === 'short-poll' ? SHORT_POLL_INTERVAL_MS : undefined,
    })
    const socket = new Socket(url)
    socket.binaryType = 'arraybuffer'
    socket.onopen = () => this.emit('open')
    socket.onmessage = (event) => this.emit('message', Buffer.from(event.data as ArrayBuffer))
    socket.onclose = (event) => this.emit('close', event.code)
    // EventEmitter throws on an 'error' nobody listens to; LoadClient listens only until synced.
    socket.onerror = () => void (this.listenerCount('error') > 0 && this.emit('error', new Error('transport error')))
    this.socket = socket
  }

  send(frame: Uint8Array): void {
    this.socket.send(frame)
  }

  /** Leaves as a closing browser tab would (DELETE, or a WebSocket close). */
  terminate(): void {
    this.socket.close()
    // Whatever the DELETE did, the pool goes a little later.
    setTimeout(() => void this.agent.destroy().catch(() => undefined), 5000).unref()
  }
}
