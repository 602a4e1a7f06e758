/**
 * Wires one relay together: store -> rooms -> connections -> HTTP server.
 * Used by main.ts and, in-process, by the integration tests.
 */
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { createHttpServer, type Admission, type Admitted } from './http.js'
import type { IncomingMessage } from 'node:http'
import { Rooms } from './relay/rooms.js'
import { Connection, type ConnectionOptions, type Transport } from './relay/connection.js'
import { WebSocketTransport } from './transport/websocket.js'
import { HttpSession } from './transport/http-session.js'
import { HttpSessions } from './transport/http-sessions.js'
import { Heartbeat } from './relay/heartbeat.js'
import { openStore } from './store/open.js'
import { SqliteStore } from './store/sqlite.js'
import { noFanout, type Fanout } from './relay/fanout.js'
import type { DocStore } from './store/store.js'
import type { VersionStore } from './store/versions.js'
import { SqliteVersionStore } from './store/sqlite-versions.js'
import { createDocsApi } from './api/docs.js'
import type { History } from './versions/history.js'
import { retention, type Retention } from './versions/retention.js'
import { CloseCode, CloseReason } from '../shared/protocol.js'
import { AuthError, canWrite, originAllowed, tokenFromRequest, verifyToken } from './auth.js'
import { ConnectionsPerAddress, SendBudget, UnsavedBytes } from './limits.js'
import { RelayMetrics } from './metrics.js'
import { createApi } from './api.js'

export interface Relay {
  /** The port actually bound (useful with port 0). */
  readonly port: number
  readonly store: DocStore
  readonly rooms: Rooms
  /** Versions of documents (emits 'version'); null when the store keeps none. */
  readonly history: History | null
  readonly metrics: RelayMetrics
  /** How it reaches other relays (`noFanout` when alone). */
  readonly fanout: Fanout
  /** Bytes of accepted updates the store has not committed yet (capped by MAX_UNSAVED_BYTES). */
  readonly unsaved: UnsavedBytes
  /** Stops accepting, closes every client, commits, closes the store. */
  close(): Promise<void>
}

/**
 * Starts a relay; `store` defaults to the configured one (PostgreSQL or
 * SQLite), and `versions` to a version store in the same database (none for
 * other stores: version routes then answer 501).
 */
export async function startRelay(config: Config, log: Logger, givenStore?: DocStore, givenVersions?: VersionStore): Promise<Relay> {
  const store = givenStore ?? (await openStore(config, log))
  const versions = givenVersions ?? await versionsBeside(store, retention(config.versionKeepAllHours, config.versionKeepDailyDays))
  const fanout: Fanout = config.redisUrl
    ? await (await import('./fanout/redis.js')).RedisFanout.connect({ url: config.redisUrl, store, log, heartbeatMs: config.relayHeartbeatMs })
    : noFanout
  const connections = new Set<Connection>()
  const unsaved = new UnsavedBytes(config.maxUnsavedBytes)
  const metrics = new RelayMetrics({ connections: () => connections.size, documentsInMemory: (): number => rooms.size, unsavedBytes: () => unsaved.bytes })
  const rooms = new Rooms({
    fanout,
    store: metrics.meterStore(store),
    log,
    unloadGraceMs: config.unloadGraceMs,
    compactAfterUpdates: config.compactAfterUpdates,
    compactAfterBytes: config.compactAfterBytes,
    maxDocBytes: config.maxDocBytes,
    unsaved,
  })
  const docsApi = createDocsApi({
    rooms,
    store,
    versions,
    versionIntervalMs: config.versionIntervalMs,
    maxImportBytes: config.maxImportBytes,
    log,
  })
  // Open History panels reload when a version is recorded (VERSIONS_CHANGED).
  docsApi.history?.on('version', (name: string, version: { id: number }) => rooms.loaded(name)?.versionRecorded(version.id))
  const perAddress = new ConnectionsPerAddress(config.maxConnectionsPerIp)
  const httpSessions = new HttpSessions({
    admit: (req, docName) => admit(req, docName),
    connect: (session, docName, ip, admission) => connect(session, docName, ip, admission),
    idleTimeoutMs: config.httpIdleTimeoutMs,
    pollTimeoutMs: config.httpPollTimeoutMs,
    keepAliveMs: config.httpKeepAliveMs,
    maxMessageBytes: config.maxMessageBytes,
    log,
  })
  const startedAt = Date.now()

  /** Decides whether a WebSocket upgrade or an HTTP session may open, and whether it may write. */
  async function admit(req: IncomingMessage, docName: string): Promise<Admission> {
    const ip = req.socket.remoteAddress
    if (!originAllowed(req, config.allowedOrigins)) {
      log.warn({ doc: docName, ip, origin: req.headers.origin }, 'upgrade refused: origin not allowed')
      metrics.refused(403)
      return { ok: false, status: 403, reason: 'origin not allowed (ALLOWED_ORIGINS)' }
    }
    if (!config.authSecret) return { ok: true, canWrite: true }
    try {
      const grant = await verifyToken(config.authSecret, tokenFromRequest(req), docName)
      return { ok: true, canWrite: canWrite(grant.role) }
    } catch (err) {
      if (!(err instanceof AuthError)) throw err
      log.warn({ doc: docName, ip, status: err.status, reason: err.message }, 'upgrade refused')
      metrics.refused(err.status)
      return { ok: false, status: err.status, reason: err.message }
    }
  }

  const server = createHttpServer({
    clientDir: config.clientDir,
    maxMessageBytes: config.maxMessageBytes,
    health: () => ({
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      connections: connections.size,
      // Clients on the HTTP fallback: non-zero means some proxy on their way does not forward upgrades.
      httpFallbackSessions: httpSessions.size,
      documentsInMemory: rooms.size,
    }),
    api: createApi({
      authSecret: config.authSecret,
      metricsMode: config.metrics,
      metrics,
      listDocs: () => store.list(),
      docs: docsApi.handle,
    }),
    admit,
    onSocket: (ws, docName, req, admission) => {
      const transport = new WebSocketTransport(ws)
      const connected = connect(transport, docName, req.socket.remoteAddress ?? 'unknown', admission)
      if (typeof connected === 'number') ws.close(connected, CloseReason[connected])
      else transport.bind(connected, log)
    },
    httpSessions: (req, res, path) => httpSessions.handle(req, res, path),
  })

  /**
   * Joins a newly admitted peer, whatever its transport, to its room; or
   * refuses it with a close code when a limit is reached, loading nothing.
   */
  function connect(transport: Transport, docName: string, ip: string, admission: Admitted): Connection | number {
    const refusal = !perAddress.acquire(ip)
      ? CloseCode.TOO_MANY_CONNECTIONS
      : !rooms.has(docName) && rooms.size >= config.maxDocuments
        ? CloseCode.TOO_MANY_DOCUMENTS
        : null
    if (refusal !== null) {
      if (refusal !== CloseCode.TOO_MANY_CONNECTIONS) perAddress.release(ip)
      log.warn({ doc: docName, ip, code: refusal }, 'connection refused: limit reached')
      metrics.refused(refusal)
      return refusal
    }
    const connection = new Connection(transport, docName, rooms, connectionOptions, {
      canWrite: admission.canWrite,
      budget: new SendBudget(config),
      address: ip,
    })
    connections.add(connection)
    heartbeat.add(connection)
    log.info({ doc: docName, ip, canWrite: admission.canWrite, transport: transport instanceof HttpSession ? 'http' : 'websocket', connections: connections.size }, 'connection opened')
    return connection
  }

  const heartbeat = new Heartbeat<Connection>(config.pingIntervalMs)
  const connectionOptions: ConnectionOptions = {
    maxBufferedBytes: config.maxBufferedBytes,
    observer: metrics.observer,
    onClosed: (connection) => {
      connections.delete(connection)
      heartbeat.delete(connection)
      perAddress.release(connection.address)
    },
    log,
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  announceAccess(config, log)

  let closing: Promise<void> | null = null
  return {
    port,
    store,
    rooms,
    history: docsApi.history,
    metrics,
    fanout,
    unsaved,
    close: () =>
      (closing ??= (async () => {
        heartbeat.stop()
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        // Unsaved edits become a version while the documents are still in memory.
        await docsApi.close()
        await rooms.closeAll(CloseCode.GOING_AWAY)
        httpSessions.closeAll()
        server.closeAllConnections()
        await stopped
        await fanout.close()
        await store.close()
      })()),
  }
}

/** Says at start-up who can reach the documents, loudly when that is anyone on the network. */
function announceAccess(config: Config, log: Logger): void {
  if (config.authSecret) {
    log.info({ metrics: config.metrics }, 'access control on: every connection needs a share-link token')
    return
  }
  const loopback = /^(127\.|::1$|localhost$)/.test(config.host)
  if (loopback) log.info('access control off (no AUTH_SECRET): anyone who can reach this relay can read and edit every document')
  else log.warn({ host: config.host }, `WARNING: no AUTH_SECRET and listening on ${config.host}: anyone on the network can read and edit every document. Set AUTH_SECRET.`)
}

/** Versions kept in the same database as the documents, when the store has one. */
export async function versionsBeside(store: DocStore, kept: Retention): Promise<VersionStore | undefined> {
  if (store instanceof SqliteStore) return new SqliteVersionStore(store.database, kept)
  // Loaded only when needed, like the store itself (see store/open.ts).
  const { PostgresStore } = await import('./store/postgres.js')
  if (!(store instanceof PostgresStore)) return undefined
  const { PostgresVersionStore } = await import('./store/postgres-versions.js')
  return new PostgresVersionStore(store.connections, kept)
}
