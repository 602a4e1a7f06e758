/**
 * Picks the store the configuration asks for: PostgreSQL when DATABASE_URL is
 * set (several relays can share it), else SQLite under DATA_DIR.
 */
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { SqliteStore } from './sqlite.js'
import type { DocStore } from './store.js'

/**
 * Opens (and, for PostgreSQL, migrates) the configured store. The PostgreSQL
 * driver is loaded only when it is used: a SQLite relay saves its memory
 * (about 13 MiB; ioredis, loaded only for REDIS_URL, about 20 MiB).
 */
export async function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'durability'>, log: Logger): Promise<DocStore> {
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./postgres.js')
    return PostgresStore.open({ url: config.databaseUrl, log })
  }
  return new SqliteStore({ dataDir: config.dataDir, durability: config.durability })
}
