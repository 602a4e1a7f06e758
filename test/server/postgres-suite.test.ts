/**
 * The relay's integration suites again, unchanged, with every relay and store
 * on a real PostgreSQL server instead of SQLite: both stores keep the same
 * promises.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { startPostgres } from '../helpers/services.js'
import { useDatabase } from '../helpers/relay.js'

const postgres = await startPostgres()
useDatabase(postgres.url)

await import('./persistence.test.js')
await import('./relay.test.js')
await import('./bad-input.test.js')
await import('./save-ack.test.js')
await import('./versions.test.js')
await import('./manage.test.js')

test('the suites above stored their documents in PostgreSQL', async () => {
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  const { rows } = await client.query<{ name: string }>('SELECT name FROM docs')
  await client.end()
  const names = rows.map((r) => r.name)
  for (const name of ['restart', 'crash', 'compact', 'unload', 'slow']) assert.ok(names.includes(name), `${name} is not in PostgreSQL`)
})

test('the versions suite stored its versions in PostgreSQL', async () => {
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  const { rows } = await client.query<{ kind: string }>('SELECT DISTINCT kind FROM versions ORDER BY kind')
  await client.end()
  assert.deepEqual(rows.map((r) => r.kind), ['auto', 'named', 'restore'])
})

// Registered after the suites' own hooks, so their relays close first.
after(() => postgres.destroy())
