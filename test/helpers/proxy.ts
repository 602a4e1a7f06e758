/**
 * A real reverse proxy in front of a relay, for tests of the HTTP fallback:
 * Debian's nginx when installed (a foreground process with a generated
 * config in a temp folder), else a small node:http proxy. Either can refuse
 * to forward WebSocket upgrades, like a corporate proxy that blocks them.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'
import { removeDir, tempDir } from './relay.js'

export interface Proxy {
  /** http://127.0.0.1:PORT */
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
}

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path))

/** Starts a proxy to the relay on `targetPort`: nginx when installed, else the Node one. */
export function startProxy(targetPort: number, options: ProxyOptions): Promise<Proxy> {
  return NGINX && !options.buffering ? startNginx(NGINX, targetPort, options) : startNodeProxy(targetPort, options)
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

async function startNginx(binary: string, targetPort: number, options: ProxyOptions): Promise<Proxy> {
  const dir = tempDir('tandem-nginx-')
  const port = await freePort()
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub))
  const config = `
daemon off;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    ${nginxLocation(targetPort, options.upgrades).replace(/\n/g, '\n    ')}
  }
}
`
  writeFileSync(join(dir, 'nginx.conf'), config)
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // Ready once it answers on its port (proxied: the relay's /healthz).
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''
      removeDir(dir)
      throw new Error(`nginx exited: ${stderr} ${log}`)
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    url,
    kind: 'nginx',
    close: async () => {
      child.kill('SIGTERM')
      await exited
      removeDir(dir)
    },
  }
}

/** node:http forwarding every request; upgrades are piped through, or refused with 403. */
async function startNodeProxy(targetPort: number, options: ProxyOptions): Promise<Proxy> {
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: { ...req.headers, connection: 'close' } },
      (answer) => {
        if (options.buffering) {
          // Nothing reaches the client before the whole response is in.
          const chunks: Buffer[] = []
          answer.on('data', (chunk: Buffer) => chunks.push(chunk))
          answer.on('end', () => {
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            res.end(Buffer.concat(chunks))
          })
          return
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    kind: 'node',
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}
