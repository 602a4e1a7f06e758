/**
 * A real reverse proxy in front of a relay, for tests of the HTTP fallback:
 * Debian's nginx when installed (a foreground process with a generated
 * config in a temp folder), else a small node:http proxy. Either can refuse
 * to forward WebSocket upgrades, like a corporate proxy that blocks them.
 * The Node one can also speak HTTP/2 over TLS, as a browser reaches an HTTPS
 * site behind a modern proxy.
 */
import { existsSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import net from 'node:net'
import { startNginx } from './nginx.js'
import { selfSignedCertificate } from './tls.js'

export interface Proxy {
  /** http://127.0.0.1:PORT (https:// with `http2`) */
  readonly url: string
  readonly kind: 'nginx' | 'node'
  close(): Promise<void>
}

export interface ProxyOptions {
  /** Forward WebSocket upgrades (the working setup) or strip them (a blocking proxy). */
  upgrades: boolean
  /**
   * Hold every response back until it is complete, like a proxy that buffers
   * (nginx passes the relay's event stream through even with proxy_buffering
   * on, so this is always the Node proxy).
   */
  buffering?: boolean
  /**
   * HTTPS with HTTP/2 only (a self-signed certificate: browsers need
   * `ignoreHTTPSErrors`). WebSocket connections, which need HTTP/1.1, are
   * refused, so this is always the Node proxy and never forwards upgrades.
   */
  http2?: boolean
}

const HAS_NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].some((path) => existsSync(path))

/** Starts a proxy to the relay on `targetPort`: nginx when installed, else the Node one. */
export function startProxy(targetPort: number, options: ProxyOptions): Promise<Proxy> {
  return HAS_NGINX && !options.buffering && !options.http2 ? startNginxProxy(targetPort, options) : startNodeProxy(targetPort, options)
}

/**
 * The location block the README recommends, with or without the two lines
 * that forward upgrades.
 */
export function nginxLocation(targetPort: number, upgrades: boolean): string {
  return [
    'location / {',
    `    proxy_pass http://127.0.0.1:${targetPort};`,
    '    proxy_http_version 1.1;',
    ...(upgrades
      ? ['    proxy_set_header Upgrade $http_upgrade;', '    proxy_set_header Connection $connection_upgrade;']
      : []),
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Forwarded-For $remote_addr;',
    '    proxy_read_timeout 1h;',
    '    client_max_body_size 20m;',
    '}',
  ].join('\n')
}

async function startNginxProxy(targetPort: number, options: ProxyOptions): Promise<Proxy> {
  // Running as root, nginx's workers would otherwise drop to nobody and lose the temp folder.
  const nginx = await startNginx(
    (port) => `
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 256; }
http {
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    ${nginxLocation(targetPort, options.upgrades).replace(/\n/g, '\n    ')}
  }
}
`,
  )
  return { url: `http://127.0.0.1:${nginx.port}`, kind: 'nginx', close: () => nginx.stop() }
}

/** Headers HTTP/2 forbids (RFC 9113, 8.2.2) or that belong to one hop. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host'])

/** A request's headers as the relay should get them: no HTTP/2 pseudo-headers, the authority as Host. */
function forwardedHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const forwarded: http.OutgoingHttpHeaders = { connection: 'close' }
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(':') && !HOP_HEADERS.has(name)) forwarded[name] = value
  }
  const authority = headers[':authority']
  forwarded.host = typeof authority === 'string' ? authority : headers.host
  return forwarded
}

/** An answer's headers without the hop-by-hop ones (which HTTP/2 refuses). */
function answerHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)))
}

type ProxyRequest = http.IncomingMessage | http2.Http2ServerRequest
type ProxyResponse = http.ServerResponse | http2.Http2ServerResponse

/** node:http (or node:http2) forwarding every request; upgrades are piped through, or refused with 403. */
async function startNodeProxy(targetPort: number, options: ProxyOptions): Promise<Proxy> {
  const forward = (req: ProxyRequest, res: ProxyResponse) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: forwardedHeaders(req.headers) },
      (answer) => {
        if (options.buffering) {
          // Nothing reaches the client before the whole response is in.
          const chunks: Buffer[] = []
          answer.on('data', (chunk: Buffer) => chunks.push(chunk))
          answer.on('end', () => {
            res.writeHead(answer.statusCode ?? 502, answerHeaders(answer.headers))
            res.end(Buffer.concat(chunks))
          })
          return
        }
        res.writeHead(answer.statusCode ?? 502, answerHeaders(answer.headers))
        answer.pipe(res as NodeJS.WritableStream)
      },
    )
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  }
  if (options.http2) return startHttp2Proxy(forward)
  const server = http.createServer(forward)
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (!options.upgrades) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    const upstream = net.connect(targetPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      upstream.write(lines.join('\r\n') + '\r\n\r\n')
      upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  })
  return listening(server, 'http', () => server.closeAllConnections())
}

/** The HTTP/2-only HTTPS server of `startNodeProxy`. */
async function startHttp2Proxy(forward: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void): Promise<Proxy> {
  const server = http2.createSecureServer({ ...selfSignedCertificate(), allowHTTP1: false }, forward)
  // A connection that cannot speak HTTP/2 (a WebSocket handshake) is dropped at once, not after Node's 10 s timeout.
  server.on('unknownProtocol', (socket: net.Socket) => socket.destroy())
  const sessions = new Set<http2.ServerHttp2Session>()
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
  })
  return listening(server, 'https', () => sessions.forEach((session) => session.destroy()))
}

/** Starts the Node proxy `server` on a free loopback port; `dropConnections` ends the open ones when it closes. */
async function listening(server: net.Server, scheme: 'http' | 'https', dropConnections: () => void): Promise<Proxy> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    kind: 'node',
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections()
        server.close(() => resolve())
      }),
  }
}
