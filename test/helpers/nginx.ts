/**
 * A real nginx (Debian's binary) for tests: runs in the foreground with its
 * config, pid file and logs in a temp folder, on a free loopback port, and
 * stops with the test. No mock: if nginx is missing the test fails (CI
 * installs it, see .ci/run).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acceptsConnections, freePort } from './services.js'

export interface Nginx {
  /** The loopback port nginx listens on. */
  readonly port: number
  /** nginx's error log so far (to explain a failure). */
  errorLog(): string
  /** Stops nginx and removes its folder. */
  stop(): Promise<void>
}

/** The nginx binary: on PATH, or where Debian puts it. */
function nginxBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin')) {
    if (dir && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx')
  }
  throw new Error('nginx is not installed (apt-get install nginx)')
}

/**
 * Starts nginx with the config `render(port)` returns: a whole nginx.conf
 * (`events {}` and `http {}` blocks) that listens on 127.0.0.1:`port`. The
 * helper adds the process-level directives (foreground, pid file, error log)
 * and points the access log into the temp folder.
 */
export async function startNginx(render: (port: number) => string): Promise<Nginx> {
  const binary = nginxBinary()
  const dir = mkdtempSync(join(tmpdir(), 'tandem-nginx-'))
  const port = await freePort()
  const errorLogPath = join(dir, 'error.log')
  const body = render(port).replace(/\bhttp\s*\{/, `http {\n  access_log ${join(dir, 'access.log')};\n  client_body_temp_path ${join(dir, 'body')};\n  proxy_temp_path ${join(dir, 'proxy')};\n  fastcgi_temp_path ${join(dir, 'fastcgi')};\n  uwsgi_temp_path ${join(dir, 'uwsgi')};\n  scgi_temp_path ${join(dir, 'scgi')};`)
  const config = [`daemon off;`, `master_process on;`, `pid ${join(dir, 'nginx.pid')};`, `error_log ${errorLogPath} info;`, body].join('\n')
  const configPath = join(dir, 'nginx.conf')
  writeFileSync(configPath, config)
  // -e: the error log before the config is read (nginx 1.19.5+); -p: prefix for relative paths.
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', configPath, '-e', errorLogPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let gone = false
  void exited.then(() => (gone = true))
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '') + stderr
  const deadline = Date.now() + 10_000
  while (!(await acceptsConnections(port))) {
    if (gone || Date.now() > deadline) {
      kill()
      throw new Error(`nginx did not start:\n${errorLog()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    port,
    errorLog,
    stop: async () => {
      process.off('exit', kill)
      // SIGTERM: fast shutdown; proxied connections are cut.
      if (!gone) child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The load balancer the project ships (deploy/nginx.conf), pointed at relays
 * on loopback `relayPorts` and listening on `port`. Fails loudly if the shipped
 * config no longer has the lines it adapts, so the test never drifts from it.
 */
export function shippedLoadBalancerConfig(relayPorts: number[], port: number): string {
  const shipped = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8')
  const servers = [...shipped.matchAll(/^(\s*)server\s+relay-[a-z]+:\d+(.*);$/gm)]
  if (servers.length !== relayPorts.length) throw new Error(`deploy/nginx.conf has ${servers.length} relay servers, the test starts ${relayPorts.length}`)
  let config = shipped
  servers.forEach((match, i) => {
    config = config.replace(match[0], `${match[1]}server 127.0.0.1:${relayPorts[i]}${match[2]};`)
  })
  if (!/^\s*listen 80;$/m.test(config)) throw new Error('deploy/nginx.conf no longer listens on port 80')
  return config.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`)
}
