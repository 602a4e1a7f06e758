/**
 * Clients for tests: the stock y-websocket provider under Node, and raw
 * sockets for speaking bytes directly.
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import type { EventEmitter } from 'node:events'
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { encodeQueryAwareness } from '../../shared/protocol.js'

export interface StockClient {
  doc: Y.Doc
  provider: WebsocketProvider
  text: Y.Text
  destroy(): void
}

/**
 * A stock WebsocketProvider on `ws://127.0.0.1:port/ws/<docName>`, synced.
 * `params` become the URL query (e.g. `{ token }`), as in the browser;
 * `WebSocketPolyfill` is the socket class (`ws` by default; a
 * fallbackWebSocket() for the HTTP transports).
 */
export async function connectStockClient(
  port: number,
  docName: string,
  doc = new Y.Doc(),
  params: Record<string, string> = {},
  WebSocketPolyfill: typeof globalThis.WebSocket = WebSocket as unknown as typeof globalThis.WebSocket,
): Promise<StockClient> {
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/ws`, docName, doc, {
    WebSocketPolyfill,
    disableBc: true,
    params,
  })
  await new Promise<void>((resolve) => {
    if (provider.synced) resolve()
    else provider.once('sync', (synced: boolean) => synced && resolve())
  })
  return {
    doc,
    provider,
    text: doc.getText('t'),
    destroy: () => {
      provider.destroy()
      doc.destroy()
    },
  }
}

/**
 * Resolves once everything the relay sent `client` before now has arrived:
 * frames on one socket arrive in order, so the answer to a query sent now
 * comes after them.
 */
export async function drained(client: StockClient): Promise<void> {
  const socket = client.provider.ws!
  const answered = new Promise((resolve) => socket.addEventListener('message', resolve, { once: true }))
  socket.send(encodeQueryAwareness())
  await answered
}

interface Observable {
  on(event: string, fn: (...args: any[]) => void): void
  off(event: string, fn: (...args: any[]) => void): void
}

/**
 * Resolves once `check()` is true, re-checking on every `event` of `source`.
 * Rejects after `timeoutMs` (a safety net, not a sleep).
 */
export function until(source: Observable | EventEmitter, event: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve()
    const timer = setTimeout(() => {
      source.off(event, listener)
      reject(new Error(`timed out waiting for ${event}`))
    }, timeoutMs)
    const listener = () => {
      if (!check()) return
      clearTimeout(timer)
      source.off(event, listener)
      resolve()
    }
    source.on(event, listener)
  })
}

/** A raw WebSocket to the relay, open. */
export async function openRawSocket(port: number, path: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return ws
}

/** The close code and reason of a socket, once it closes. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
}

/**
 * The HTTP status with which an upgrade at `path` is answered (101 when
 * accepted). Sent with node:http so the path goes out byte for byte: a
 * WebSocket client would normalise "/ws/.." away before sending it.
 */
export function upgradeStatus(port: number, path: string, extraHeaders: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...extraHeaders,
      },
    })
    req.once('upgrade', (_res, socket) => {
      socket.destroy()
      resolve(101)
    })
    req.once('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.once('error', reject)
    req.end()
  })
}
