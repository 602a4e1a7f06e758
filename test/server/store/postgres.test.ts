/**
 * The PostgreSQL store against a real PostgreSQL server: the DocStore
 * contract, group commit, several relays writing one document, concurrent
 * start-up, and an outage of the database.
 */
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import pg from 'pg'
import { pino } from 'pino'
import { PostgresStore } from '../../../server/store/postgres.js'
import { startPostgres, type PostgresService } from '../../helpers/services.js'
import { storeContract } from './contract.js'

const log = pino({ level: 'silent' })
let postgres: PostgresService
const database = (key: string) => postgres.database(key)
const open = async (key: string) => PostgresStore.open({ url: await database(key), log, maxRetryDelayMs: 100 })

before(async () => {
  postgres = await startPostgres()
})
after(() => postgres.destroy())

storeContract('PostgreSQL', open)

/** A Y.Doc that records every update it emits. */
function recordingDoc(): { doc: Y.Doc; text: Y.Text; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  return { doc, text: doc.getText('t'), updates }
}

/** What a relay hands compaction: `doc` with the rows it may have missed applied, encoded. */
function stateOf(doc: Y.Doc): (missed: Uint8Array[]) => Uint8Array {
  return (missed) => {
    for (const row of missed) Y.applyUpdate(doc, row)
    return Y.encodeStateAsUpdate(doc)
  }
}

function textOf(rows: Uint8Array[]): string {
  const doc = new Y.Doc()
  for (const row of rows) Y.applyUpdate(doc, row)
  return doc.getText('t').toString()
}

test('appends issued together are committed in one transaction (group commit)', async () => {
  const store = await open('group')
  const appends = Array.from({ length: 100 }, (_, i) => store.append('doc', new Uint8Array([i])))
  await Promise.all(appends)
  const reader = new pg.Client({ connectionString: await database('group') })
  await reader.connect()
  // Rows written by one transaction share its id (xmin).
  const { rows } = await reader.query("SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS transactions FROM updates WHERE doc = 'doc'")
  assert.deepEqual(rows[0], { n: 100, transactions: 1 })
  await reader.end()
  assert.deepEqual((await store.load('doc')).map((r) => r[0]), Array.from({ length: 100 }, (_, i) => i))
  await store.close()
})

test('a group commit of appends is one statement: one round trip to PostgreSQL', async () => {
  // Every round trip inside a commit is a wait for this process to be
  // scheduled again, and with several relays the document's row stays locked
  // across all of them (scenario 7 of the benchmark).
  const store = await open('one-trip')
  await store.append('warm', new Uint8Array([0]))
  const query = pg.Client.prototype.query
  let statements = 0
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof query
  try {
    await Promise.all([
      store.append('a', new Uint8Array([1, 2])),
      store.append('b', new Uint8Array([3])),
      store.append('a', new Uint8Array([4])),
    ])
  } finally {
    pg.Client.prototype.query = query
  }
  assert.equal(statements, 1)
  // ...and it still keeps the rows in order and each document's size.
  assert.deepEqual((await store.load('a')).map((r) => [...r]), [[1, 2], [4]])
  const sizes = Object.fromEntries((await store.list()).map((d) => [d.name, d.size]))
  assert.deepEqual(sizes, { warm: 1, a: 3, b: 1 })
  await store.close()
})

test("the group commit's statement is prepared once per connection, not parsed and planned at every commit", async () => {
  const store = await open('prepared')
  await store.append('a', new Uint8Array([1]))
  await store.append('a', new Uint8Array([2]))
  // One after another, so both used the same connection, and the pool hands that one out next.
  const { rows } = await store.connections.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO doc_deltas%'",
  )
  assert.equal(rows[0]!.n, 1)
  await store.close()
})

test('compaction by one relay keeps the rows another relay wrote that it never saw', async () => {
  const [a, b] = [await open('shared'), await open('shared')]
  const onA = recordingDoc()
  const onB = recordingDoc()
  onA.text.insert(0, 'from A. ')
  onB.text.insert(0, 'from B. ')
  await a.append('doc', onA.updates[0]!)
  await b.append('doc', onB.updates[0]!)
  // A's state lacks B's edit; compacting with it must not drop that edit.
  await a.compact('doc', stateOf(onA.doc))
  const rows = await b.load('doc')
  assert.equal(rows.length, 1)
  assert.match(textOf(rows), /from A\./)
  assert.match(textOf(rows), /from B\./)
  await a.close()
  await b.close()
})

test('two relays compacting and appending the same document at once lose nothing', async () => {
  const stores = [await open('race'), await open('race')]
  const writers = stores.map(() => recordingDoc())
  const work: Promise<void>[] = []
  for (let round = 0; round < 20; round++) {
    writers.forEach((w, i) => {
      w.text.insert(w.text.length, `${i}:${round} `)
      work.push(stores[i]!.append('doc', w.updates.at(-1)!))
      if (round % 5 === 4) work.push(stores[i]!.compact('doc', stateOf(w.doc)))
    })
  }
  await Promise.all(work)
  const text = textOf(await stores[0]!.load('doc'))
  for (let round = 0; round < 20; round++) for (const i of [0, 1]) assert.ok(text.includes(`${i}:${round} `), `lost ${i}:${round}`)
  // The listed size is still the size of the rows, whoever wrote or compacted them.
  const stored = (await stores[0]!.load('doc')).reduce((sum, row) => sum + row.byteLength, 0)
  assert.equal((await stores[1]!.list()).find((d) => d.name === 'doc')?.size, stored)
  for (const s of stores) await s.close()
})

test("a relay's appends wait for no row lock another relay's commit holds", async () => {
  // Relay A's commit in flight holds whatever rows its statement wrote until
  // its WAL flush; relay B appending to the same document must not queue
  // behind it (benchmark scenario 7: that wait was in every commit's tail).
  const [a, b] = [await open('locks'), await open('locks')]
  await a.append('doc', new Uint8Array([1]))
  const holder = new pg.Client({ connectionString: await database('locks') })
  const watcher = new pg.Client({ connectionString: await database('locks') })
  await Promise.all([holder.connect(), watcher.connect()])
  await holder.query('BEGIN')
  // Every row A's append wrote except its own new row in updates.
  await holder.query("SELECT 1 FROM docs WHERE name = 'doc' FOR UPDATE")
  await holder.query("SELECT 1 FROM doc_deltas WHERE doc = 'doc' FOR UPDATE")
  let settled = false
  const appended = b.append('doc', new Uint8Array([2])).then(() => 'committed')
  void appended.finally(() => (settled = true))
  const waiting = (async () => {
    while (!settled) {
      const { rows } = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
      if (rows[0].n > 0) return 'waited for a row lock'
    }
    return 'committed'
  })()
  const outcome = await Promise.race([appended, waiting])
  await holder.query('COMMIT')
  await appended
  assert.equal(outcome, 'committed')
  assert.deepEqual((await a.load('doc')).map((r) => r[0]), [1, 2])
  await Promise.all([holder.end(), watcher.end(), a.close(), b.close()])
})

/** How many doc_deltas rows (one per writing store) `doc` has, read with a plain client. */
async function deltaRows(key: string, doc: string): Promise<number> {
  const reader = new pg.Client({ connectionString: await database(key) })
  await reader.connect()
  try {
    const { rows } = await reader.query('SELECT count(*)::int AS n FROM doc_deltas WHERE doc = $1', [doc])
    return rows[0].n
  } finally {
    await reader.end()
  }
}

test("a relay loading a document folds earlier relays' size rows, and the listed size stays exact", async () => {
  // Every relay start writes under a new writer id: a document edited over
  // many relay lifetimes kept a doc_deltas row per lifetime until compacted.
  for (let life = 0; life < 4; life++) {
    const store = await open('lifetimes')
    await store.append('doc', new Uint8Array(life + 1).fill(life))
    await store.close()
  }
  assert.equal(await deltaRows('lifetimes', 'doc'), 4)
  const [next, other] = [await open('lifetimes'), await open('lifetimes')]
  // Another relay is live and writing while the new one loads.
  await other.append('doc', new Uint8Array([9, 9]))
  assert.equal((await next.load('doc')).length, 5)
  assert.equal(await deltaRows('lifetimes', 'doc'), 0)
  await Promise.all([next.append('doc', new Uint8Array([7])), other.append('doc', new Uint8Array([8]))])
  assert.equal(await deltaRows('lifetimes', 'doc'), 2)
  const stored = (await next.load('doc')).reduce((sum, row) => sum + row.byteLength, 0)
  assert.equal(stored, 1 + 2 + 3 + 4 + 2 + 1 + 1)
  assert.equal((await other.list()).find((d) => d.name === 'doc')?.size, stored)
  await Promise.all([next.close(), other.close()])
})

test("a relay's compaction does not wait for another relay's: it leaves the rows to that one, and its appends commit", { timeout: 20_000 }, async () => {
  // Relays writing one document at the same rate reach the compaction
  // threshold together. Queued behind the other's advisory lock, a
  // compaction held this relay's commit queue for both compactions (80-100
  // ms in benchmark scenario 7); sharing a transaction with the appends, it
  // once deadlocked with the other's (PostgreSQL aborted one and the relay
  // dropped the document). Now it finds the lock taken and skips.
  const store = await open('busy-lock')
  const { doc, text, updates } = recordingDoc()
  text.insert(0, 'a')
  await store.append('doc', updates[0]!)
  // The other relay's compaction holds the document's lock...
  const other = new pg.Client({ connectionString: await database('busy-lock') })
  await other.connect()
  await other.query('BEGIN')
  await other.query("SELECT pg_advisory_xact_lock(hashtextextended('tandem:doc:' || $1, 0))", ['doc'])
  // ...while this relay appends and compacts in the same tick: both settle with the lock still held.
  text.insert(1, 'b')
  await Promise.all([store.append('doc', updates[1]!), store.compact('doc', stateOf(doc))])
  assert.equal((await store.load('doc')).length, 2, 'the rows are left for the compaction holding the lock')
  assert.equal(textOf(await store.load('doc')), 'ab')
  await other.query('ROLLBACK')
  // With the lock free, the next compaction runs.
  await store.compact('doc', stateOf(doc))
  const rows = await store.load('doc')
  assert.equal(rows.length, 1)
  assert.equal(textOf(rows), 'ab')
  await Promise.all([other.end(), store.close()])
})

test('two connections stay open while the relay is idle, so the first commit after a pause opens none', async () => {
  // A short idle time stands in for pg's ten seconds.
  const store = await PostgresStore.open({ url: await database('warm'), log, idleConnectionMs: 20 })
  const pool = store.connections
  let connected = pool.totalCount
  let removed = 0 // said once a closed connection has ended
  pool.on('connect', () => connected++)
  pool.on('remove', () => removed++)
  // Loads side by side open more connections than are kept warm ...
  await Promise.all(Array.from({ length: 4 }, (_, i) => store.load(`doc${i}`)))
  assert.ok(connected > 2, `${connected} connections`)
  // ... and those beyond two close once idle, ...
  while (connected - removed > 2) await once(pool, 'remove')
  // ... but the two stay, however long after their idle time.
  const closedOne = await Promise.race([once(pool, 'remove').then(() => true), delay(300).then(() => false)])
  assert.equal(closedOne, false)
  const before = connected
  await store.append('doc0', new Uint8Array([1]))
  assert.equal(connected, before)
  await store.close()
})

test('relays starting together on an empty database create the schema once', async () => {
  const url = await database('fresh')
  const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open({ url, log })))
  await stores[0]!.append('doc', new Uint8Array([1]))
  assert.equal((await stores[3]!.load('doc')).length, 1)
  for (const s of stores) await s.close()
})

test('while PostgreSQL is down appends wait, and they commit on their own when it returns', async () => {
  const store = await open('outage')
  await store.append('doc', new Uint8Array([1]))
  await postgres.stop()
  let committed = false
  const during = store.append('doc', new Uint8Array([2])).then(() => (committed = true))
  // The store is retrying against a closed port; the append must still be pending.
  const loadFailed = await store.load('doc').then(() => false, () => true)
  assert.equal(loadFailed, true, 'reads fail while the database is down')
  assert.equal(committed, false, 'an append was acknowledged while the database was down')
  await postgres.start()
  await during
  assert.deepEqual((await store.load('doc')).map((r) => r[0]), [1, 2])
  await store.close()
})
