/**
 * The PostgreSQL version store against a real PostgreSQL server: the
 * VersionStore contract, and its table created by the store's migrations.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import { PostgresStore } from '../../../server/store/postgres.js'
import { PostgresVersionStore } from '../../../server/store/postgres-versions.js'
import type { Retention } from '../../../server/versions/retention.js'
import { startPostgres, type PostgresService } from '../../helpers/services.js'
import { versionStoreContract } from './versions-contract.js'

const log = pino({ level: 'silent' })
let postgres: PostgresService
const database = (key: string) => postgres.database(key)
const openUrl = async (url: string, retention?: Retention) => {
  const store = await PostgresStore.open({ url, log })
  return { store, versions: new PostgresVersionStore(store.connections, retention) }
}
const open = async (key: string, retention?: Retention) => openUrl(await database(key), retention)

before(async () => {
  postgres = await startPostgres()
})
after(() => postgres.destroy())

versionStoreContract('PostgreSQL', open)

test('relays starting together on an empty database can all store versions at once', async () => {
  const url = await database('fresh')
  const backends = await Promise.all(Array.from({ length: 3 }, () => openUrl(url)))
  const added = await Promise.all(backends.map((b, i) => b.versions.add('doc', { createdAt: i, label: '', kind: 'auto', authors: [], title: '', state: new Uint8Array([i]) })))
  const listed = await backends[0]!.versions.list('doc', { limit: 10 })
  assert.deepEqual(listed.map((v) => v.id).sort((a, b) => a - b), added.map((v) => v.id).sort((a, b) => a - b))
  for (const b of backends) await b.store.close()
})
