/**
 * Configuration: read once, from the environment and `--flags` (flags win),
 * validated, and passed down as one typed object. Nothing else in the server
 * reads `process.env`.
 */
import { resolve } from 'node:path'
import type { Durability } from './store/sqlite.js'
import { STREAM_KEEPALIVE_MS } from '../shared/event-stream.js'

export interface Config {
  port: number
  host: string
  dataDir: string
  durability: Durability
  maxMessageBytes: number
  maxBufferedBytes: number
  unloadGraceMs: number
  compactAfterUpdates: number
  compactAfterBytes: number
  pingIntervalMs: number
  logLevel: string
  /** Folder with the built client (index.html and assets). */
  clientDir: string
  /** Signs and verifies share-link tokens; undefined leaves the relay open. */
  authSecret: string | undefined
  /** Origins allowed to open WebSockets; empty allows any. */
  allowedOrigins: string[]
  /** Who may read GET /metrics ("auto" resolves to "token" with AUTH_SECRET, else "open"). */
  metrics: 'open' | 'token' | 'off'
  maxDocuments: number
  maxConnectionsPerIp: number
  maxMessagesPerSecond: number
  maxBytesPerSecond: number
  maxDocBytes: number
  /** Bytes of updates awaiting a commit (store unreachable) past which new edits are refused (4503). */
  maxUnsavedBytes: number
  /** PostgreSQL in place of SQLite when set (postgres://...). */
  databaseUrl: string | undefined
  /** Cross-relay fan-out over Redis when set (redis://...). */
  redisUrl: string | undefined
  /** How often a relay tells the others it is alive; silent for 3 beats = dead. */
  relayHeartbeatMs: number
  /** Shortest time between two automatic versions of a document. */
  versionIntervalMs: number
  /** Every automatic version younger than this many hours is kept. */
  versionKeepAllHours: number
  /** ... then one a day up to this many days old; one a week beyond. */
  versionKeepDailyDays: number
  /** Largest document import accepted. */
  maxImportBytes: number
  /** An HTTP fallback session with no open stream or poll and no upload for this long is closed. */
  httpIdleTimeoutMs: number
  /** How long a long poll waits for a frame before answering with none. */
  httpPollTimeoutMs: number
  /** How often an idle HTTP fallback stream gets a keep-alive comment (a client hearing nothing for longer + 5 s counts it lost). */
  httpKeepAliveMs: number
}

/** A configuration problem, reported to the user as is. */
export class ConfigError extends Error {}

interface Option {
  key: keyof Config
  flag: string
  env: string
  default: string
  help: string
  parse(raw: string): Config[keyof Config]
}

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => (raw: string) => {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`expected a whole number, got "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(`expected a number from ${min} to ${max}, got ${n}`)
  return n
}
const oneOf = (...values: string[]) => (raw: string) => {
  if (!values.includes(raw)) throw new ConfigError(`expected one of ${values.join(', ')}, got "${raw}"`)
  return raw
}
const text = (raw: string) => {
  if (raw === '') throw new ConfigError('expected a value')
  return raw
}

const secret = (raw: string) => {
  if (raw === '') return undefined
  // HS256 with a short secret can be brute-forced offline from any one token.
  if (raw.length < 32) throw new ConfigError('must be at least 32 characters (e.g. openssl rand -hex 32)')
  return raw
}
const list = (raw: string) => raw.split(',').map((item) => item.trim()).filter(Boolean)
/** A URL with one of `schemes`, or nothing (the empty default turns the feature off). */
const optionalUrl = (...schemes: string[]) => (raw: string) => {
  if (raw === '') return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('expected a URL')
  }
  if (!schemes.includes(url.protocol)) throw new ConfigError(`expected a ${schemes.map((s) => `${s}//`).join(' or ')} URL`)
  return raw
}

const MiB = 1024 * 1024

const OPTIONS: Option[] = [
  { key: 'port', flag: '--port', env: 'PORT', default: '1234', help: 'TCP port to listen on (0 picks a free one)', parse: integer(0, 65535) },
  { key: 'host', flag: '--host', env: 'HOST', default: '127.0.0.1', help: 'address to listen on; 0.0.0.0 exposes the relay to the network', parse: text },
  { key: 'dataDir', flag: '--data-dir', env: 'DATA_DIR', default: './data', help: 'folder for the SQLite database', parse: (raw) => resolve(text(raw)) },
  { key: 'durability', flag: '--durability', env: 'DURABILITY', default: 'process', help: '"process": commits survive a killed relay (synchronous=NORMAL); "fsync": they also survive power loss (synchronous=FULL)', parse: oneOf('process', 'fsync') },
  { key: 'maxMessageBytes', flag: '--max-message-bytes', env: 'MAX_MESSAGE_BYTES', default: String(16 * MiB), help: 'largest frame a client may send; larger ones close its connection (1009)', parse: integer(1024) },
  { key: 'maxBufferedBytes', flag: '--max-buffered-bytes', env: 'MAX_BUFFERED_BYTES', default: String(64 * MiB), help: 'unsent bytes a client may fall behind by before it is disconnected (4008)', parse: integer(1024) },
  { key: 'unloadGraceMs', flag: '--unload-grace-ms', env: 'UNLOAD_GRACE_MS', default: '30000', help: 'how long a document stays in memory after its last client leaves', parse: integer(0) },
  { key: 'compactAfterUpdates', flag: '--compact-after-updates', env: 'COMPACT_AFTER_UPDATES', default: '500', help: 'compact a document\'s update log once it has more rows than this', parse: integer(1) },
  { key: 'compactAfterBytes', flag: '--compact-after-bytes', env: 'COMPACT_AFTER_BYTES', default: String(4 * MiB), help: '... or more bytes than this', parse: integer(1) },
  { key: 'pingIntervalMs', flag: '--ping-interval-ms', env: 'PING_INTERVAL_MS', default: '30000', help: 'ping every client this often; one that misses a pong is disconnected', parse: integer(100) },
  { key: 'logLevel', flag: '--log-level', env: 'LOG_LEVEL', default: 'info', help: 'pino log level', parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') },
  { key: 'databaseUrl', flag: '--database-url', env: 'DATABASE_URL', default: '', help: 'store documents in this PostgreSQL database instead of SQLite (postgres://user:password@host:5432/db)', parse: optionalUrl('postgres:', 'postgresql:') },
  { key: 'redisUrl', flag: '--redis-url', env: 'REDIS_URL', default: '', help: 'share live edits and presence with other relays over this Redis (redis://host:6379)', parse: optionalUrl('redis:', 'rediss:') },
  { key: 'relayHeartbeatMs', flag: '--relay-heartbeat-ms', env: 'RELAY_HEARTBEAT_MS', default: '2000', help: 'with Redis: how often a relay announces it is alive; after 3 silent beats its clients leave everyone\'s presence', parse: integer(50) },
  { key: 'versionIntervalMs', flag: '--version-interval-ms', env: 'VERSION_INTERVAL_MS', default: '600000', help: 'at most one automatic version of a document per this many milliseconds of editing', parse: integer(100) },
  { key: 'versionKeepAllHours', flag: '--version-keep-all-hours', env: 'VERSION_KEEP_ALL_HOURS', default: '24', help: 'keep every automatic version younger than this; named versions are always kept', parse: integer(0) },
  { key: 'versionKeepDailyDays', flag: '--version-keep-daily-days', env: 'VERSION_KEEP_DAILY_DAYS', default: '30', help: 'then keep one automatic version a day up to this age, and one a week beyond', parse: integer(0) },
  { key: 'maxImportBytes', flag: '--max-import-bytes', env: 'MAX_IMPORT_BYTES', default: String(5 * MiB), help: 'largest Markdown or HTML file accepted by import (413 beyond)', parse: integer(1024) },
  { key: 'httpIdleTimeoutMs', flag: '--http-idle-timeout-ms', env: 'HTTP_IDLE_TIMEOUT_MS', default: '30000', help: 'HTTP fallback: a session with no open stream or poll and no upload for this long leaves its document', parse: integer(100) },
  { key: 'httpPollTimeoutMs', flag: '--http-poll-timeout-ms', env: 'HTTP_POLL_TIMEOUT_MS', default: '25000', help: 'HTTP fallback: how long a long poll waits for a frame before answering with none', parse: integer(100) },
  { key: 'httpKeepAliveMs', flag: '--http-keepalive-ms', env: 'HTTP_KEEPALIVE_MS', default: String(STREAM_KEEPALIVE_MS), help: 'HTTP fallback: how often an idle stream gets a keep-alive (lower it below your proxy\'s idle timeout); a client hearing nothing for this plus 5 s reconnects', parse: integer(100) },
  { key: 'clientDir', flag: '--client-dir', env: 'CLIENT_DIR', default: './dist/client', help: 'folder with the built editor (npm run build)', parse: (raw) => resolve(text(raw)) },
  { key: 'authSecret', flag: '--auth-secret', env: 'AUTH_SECRET', default: '', help: 'secret (32+ characters) that signs share links; every connection then needs a token. Unset: the relay is open to anyone who reaches it', parse: secret },
  { key: 'allowedOrigins', flag: '--allowed-origins', env: 'ALLOWED_ORIGINS', default: '', help: 'comma-separated origins (https://docs.example.com) allowed to open WebSockets; empty allows any', parse: list },
  { key: 'metrics', flag: '--metrics', env: 'METRICS', default: 'auto', help: 'GET /metrics: "open", "token" (needs a token for doc "*"), "off"; "auto" is "token" with AUTH_SECRET, else "open"', parse: oneOf('auto', 'open', 'token', 'off') },
  { key: 'maxDocuments', flag: '--max-documents', env: 'MAX_DOCUMENTS', default: '1000', help: 'documents held in memory at once; a connection to one more is closed (4013)', parse: integer(1) },
  { key: 'maxConnectionsPerIp', flag: '--max-connections-per-ip', env: 'MAX_CONNECTIONS_PER_IP', default: '50', help: 'open WebSockets and HTTP fallback sessions per client address; more are refused (4030, or 429 for a session)', parse: integer(1) },
  { key: 'maxMessagesPerSecond', flag: '--max-messages-per-second', env: 'MAX_MESSAGES_PER_SECOND', default: '100', help: 'sustained frames per second per connection, with 10 s of burst; faster senders are closed (4029)', parse: integer(1) },
  { key: 'maxBytesPerSecond', flag: '--max-bytes-per-second', env: 'MAX_BYTES_PER_SECOND', default: String(1 * MiB), help: 'sustained bytes per second per connection, with 10 s of burst (at least one largest message); faster senders are closed (4029)', parse: integer(1024) },
  { key: 'maxDocBytes', flag: '--max-doc-bytes', env: 'MAX_DOC_BYTES', default: String(32 * MiB), help: 'largest a document may grow; an update past it is not stored and its sender is closed (4009)', parse: integer(1024) },
  { key: 'maxUnsavedBytes', flag: '--max-unsaved-bytes', env: 'MAX_UNSAVED_BYTES', default: String(64 * MiB), help: 'edits waiting for the store to commit them (PostgreSQL unreachable) may hold this many bytes of memory; new edits past it are refused (4503) and their clients resend them after reconnecting', parse: integer(1024) },
]

/** The result of parsing: a config to run with, or a request for help. */
export type ParsedArgs = { help: true } | { help: false; config: Config }

/**
 * Parses `argv` (without node and script) over `env`. Throws ConfigError
 * naming the offending flag or variable.
 */
export function parseConfig(argv: string[], env: Record<string, string | undefined>): ParsedArgs {
  const raw = new Map<Option, { value: string; source: string }>()
  for (const option of OPTIONS) {
    const fromEnv = env[option.env]
    if (fromEnv !== undefined) raw.set(option, { value: fromEnv, source: option.env })
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') return { help: true }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const option = OPTIONS.find((o) => o.flag === flag)
    if (!option) throw new ConfigError(`unknown option "${arg}" (see --help)`)
    const value = inline ?? argv[++i]
    if (value === undefined) throw new ConfigError(`${flag} needs a value`)
    raw.set(option, { value, source: flag })
  }
  const config = {} as Record<keyof Config, unknown>
  for (const option of OPTIONS) {
    const given = raw.get(option)
    try {
      config[option.key] = option.parse(given?.value ?? option.default)
    } catch (err) {
      throw new ConfigError(`${given?.source ?? option.flag}: ${(err as Error).message}`)
    }
  }
  if (config.metrics === 'auto') config.metrics = config.authSecret ? 'token' : 'open'
  return { help: false, config: config as unknown as Config }
}

/** The --help text, generated from the same table the parser uses. */
export function helpText(): string {
  const lines = ['Usage: npm start -- [options]', '', 'Tandem relay: serves the editor and syncs documents.', '', 'Options (each also read from the environment variable shown):']
  for (const o of OPTIONS) {
    lines.push(`  ${`${o.flag} <value>`.padEnd(30)} ${o.env.padEnd(22)} ${o.help} (default ${o.default || 'none'})`)
  }
  lines.push(`  ${'--help'.padEnd(30)} ${''.padEnd(22)} show this text`)
  return lines.join('\n')
}
