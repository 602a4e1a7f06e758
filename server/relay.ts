/**
 * Wires one relay together: store -> rooms -> connections -> HTTP server.
 * Used by main.ts and, in-process, by the integration tests.
 */
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { createHttpServer } from './http.js'
import { Rooms } from './relay/rooms.js'
import { Connection } from './relay/connection.js'
import { openStore } from './store/open.js'
import { SqliteStore } from './store/sqlite.js'
import { noFanout, type Fanout } from './relay/fanout.js'
import { RedisFanout } from './fanout/redis.js'
import type { DocStore } from './store/store.js'
import type { VersionStore } from './store/versions.js'
import { SqliteVersionStore } from './store/sqlite-versions.js'
import { PostgresStore } from './store/postgres.js'
import { PostgresVersionStore } from './store/postgres-versions.js'
import { createDocsApi } from './api/docs.js'
import type { History } from './versions/history.js'
import { retention, type Retention } from './versions/retention.js'
import { CloseCode } from '../shared/protocol.js'

export interface Relay {
  /** The port actually bound (useful with port 0). */
  readonly port: number
  readonly store: DocStore
  readonly rooms: Rooms
  /** Versions of documents (emits 'version'); null when the store keeps none. */
  readonly history: History | null
  /** How it reaches other relays (`noFanout` when alone). */
  readonly fanout: Fanout
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
  const versions = givenVersions ?? versionsBeside(store, retention(config.versionKeepAllHours, config.versionKeepDailyDays))
  const fanout: Fanout = config.redisUrl
    ? await RedisFanout.connect({ url: config.redisUrl, store, log, heartbeatMs: config.relayHeartbeatMs })
    : noFanout
  const rooms = new Rooms({
    fanout,
    store,
    log,
    unloadGraceMs: config.unloadGraceMs,
    compactAfterUpdates: config.compactAfterUpdates,
    compactAfterBytes: config.compactAfterBytes,
  })
  const docsApi = createDocsApi({
    rooms,
    store,
    versions,
    versionIntervalMs: config.versionIntervalMs,
    maxImportBytes: config.maxImportBytes,
    log,
  })
  const connections = new Set<Connection>()
  const startedAt = Date.now()

  const server = createHttpServer({
    clientDir: config.clientDir,
    maxMessageBytes: config.maxMessageBytes,
    health: () => ({
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      connections: connections.size,
      documentsInMemory: rooms.size,
    }),
    listDocs: () => store.list(),
    api: docsApi.handle,
    onSocket: (ws, docName, req) => {
      const connection = new Connection(ws, docName, rooms, { maxBufferedBytes: config.maxBufferedBytes, log })
      connections.add(connection)
      ws.on('close', () => connections.delete(connection))
      log.info({ doc: docName, ip: req.socket.remoteAddress, connections: connections.size }, 'connection opened')
    },
  })

  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat()
  }, config.pingIntervalMs)
  heartbeat.unref()

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  let closing: Promise<void> | null = null
  return {
    port,
    store,
    rooms,
    history: docsApi.history,
    fanout,
    close: () =>
      (closing ??= (async () => {
        clearInterval(heartbeat)
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        // Unsaved edits become a version while the documents are still in memory.
        await docsApi.close()
        await rooms.closeAll(CloseCode.GOING_AWAY)
        server.closeAllConnections()
        await stopped
        await fanout.close()
        await store.close()
      })()),
  }
}

/** Versions kept in the same database as the documents, when the store has one. */
function versionsBeside(store: DocStore, kept: Retention): VersionStore | undefined {
  if (store instanceof SqliteStore) return new SqliteVersionStore(store.database, kept)
  if (store instanceof PostgresStore) return new PostgresVersionStore(store.connections, kept)
  return undefined
}
