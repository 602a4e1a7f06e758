/**
 * HTTP routes: the editor app, /healthz (also as a WebSocket upgrade check), WebSocket upgrades at
 * /ws/<docName>, and the HTTP fallback at /http/<docName>/... Every refusal
 * carries a status and a reason.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import sirv from 'sirv'
import { WebSocketServer, type WebSocket } from 'ws'
import { isValidDocName } from '../shared/docname.js'

export interface HttpOptions {
  clientDir: string
  maxMessageBytes: number
  /** Answers GET /healthz. */
  health(): Record<string, unknown>
  /**
   * Decides, before the upgrade completes and before any document is loaded,
   * whether a socket for `docName` may open and whether it may write.
   */
  admit(req: IncomingMessage, docName: string): Promise<Admission>
  /** Answers /api/* (GET /api/docs, POST /api/share) and /metrics: the token-guarded routes. */
  api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>
  /** A WebSocket for a valid document name was accepted. */
  onSocket(ws: WebSocket, docName: string, req: IncomingMessage, admission: Admitted): void
  /** Answers /http/* (the HTTP fallback transport, server/transport/http-sessions.ts). */
  httpSessions(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>
}

/** An admitted upgrade: what the peer may do. */
export interface Admitted {
  ok: true
  canWrite: boolean
}

/** The answer to an upgrade request: admitted, or refused with an HTTP status. */
export type Admission = Admitted | { ok: false; status: number; reason: string }

/** The app's pages: "/" and "/d/<name>" both serve the single-page client. */
const APP_PAGE = /^\/(d\/[^/]+)?$/
const WS_PATH = /^\/ws\/([^/]*)$/

export function createHttpServer(options: HttpOptions): Server {
  const indexFile = join(options.clientDir, 'index.html')
  // Built lazily: sirv indexes the folder once, and it may not exist yet.
  let assets: ReturnType<typeof sirv> | null = null
  const serveAsset = (req: IncomingMessage, res: ServerResponse) => {
    if (!assets && existsSync(options.clientDir)) assets = sirv(options.clientDir, { dev: false, etag: true, dotfiles: false })
    if (!assets) return sendText(res, 404, 'not found')
    assets(req, res, () => sendText(res, 404, 'not found'))
  }
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false })

  const server = createServer((req, res) => {
    const path = rawPath(req)
    if (path.startsWith('/api/') || path === '/metrics') {
      options.api(req, res, path).catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
        else res.destroy(err)
      })
      return
    }
    if (path.startsWith('/http/')) {
      options.httpSessions(req, res, path).catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
        else res.destroy(err)
      })
      return
    }
    if (req.method === 'GET' && path === '/healthz') {
      return sendJson(res, 200, { status: 'ok', ...options.health() })
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && APP_PAGE.test(path)) {
      if (!existsSync(indexFile)) {
        return sendText(res, 503, `The editor is not built (no ${indexFile}). Run "npm run build", or start with "npm start".`)
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      return res.end(req.method === 'HEAD' ? undefined : readFileSync(indexFile))
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      return serveAsset(req, res)
    }
    sendText(res, 405, 'method not allowed')
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The socket waits on `admit`; a client that resets meanwhile must not crash the relay.
    // Until ws takes the socket over (and listens for its errors itself); a named
    // function, not a closure, which would keep this request (headers, `head`) alive.
    socket.on('error', destroySocket)
    const path = rawPath(req)
    if (path === '/healthz') {
      // An upgrade check for proxies: if this answers 101 through a proxy, the
      // proxy forwards WebSocket upgrades (no document, no token involved).
      wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('error', destroySocket)
        ws.send(JSON.stringify({ status: 'ok', upgrade: 'forwarded', ...options.health() }))
        ws.close(1000, 'upgrade check done')
      })
      return
    }
    // Match the raw path: new URL() would resolve "/ws/.." away.
    const match = WS_PATH.exec(path)
    if (!match) return refuseUpgrade(socket, 404, 'WebSocket endpoint is /ws/<docName>')
    const docName = match[1]!
    if (!isValidDocName(docName)) {
      return refuseUpgrade(socket, 400, 'invalid document name: use 1-128 characters of A-Z a-z 0-9 . _ -')
    }
    options.admit(req, docName).then(
      (admission) => {
        if (!admission.ok) return refuseUpgrade(socket, admission.status, admission.reason)
        wss.handleUpgrade(req, socket, head, (ws) => {
          // ws handles the socket's errors from here on; a second listener per socket is memory for nothing.
          socket.off('error', destroySocket)
          options.onSocket(ws, docName, req, admission)
        })
      },
      () => refuseUpgrade(socket, 500, 'internal error'),
    )
  })

  return server
}

function destroySocket(this: Duplex): void {
  this.destroy()
}

function rawPath(req: IncomingMessage): string {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** Sends `body` as JSON, never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(body + '\n')
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = reason + '\n'
  const statusText = STATUS_TEXT[status] ?? 'Error'
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
