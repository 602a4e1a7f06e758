import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { SqliteStore } from '../../../server/store/sqlite.js'
import { removeDir, tempDir } from '../../helpers/relay.js'
import { storeContract } from './contract.js'

test('appends issued together are committed in one transaction (group commit)', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process' })
  await store.append('warmup', new Uint8Array([0]))
  const reader = new Database(join(dir, 'tandem.db'), { readonly: true })
  const count = reader.prepare("SELECT count(*) FROM updates WHERE doc = 'doc'").pluck()
  const appends = Array.from({ length: 100 }, (_, i) => store.append('doc', new Uint8Array([i])))
  assert.equal(count.get(), 0, 'nothing is committed while the batch is still being gathered')
  // When the first append resolves, the other 99 are already committed with it.
  await appends[0]
  assert.equal(count.get(), 100)
  await Promise.all(appends)
  assert.deepEqual((await store.load('doc')).map((r) => r[0]), Array.from({ length: 100 }, (_, i) => i))
  reader.close()
  await store.close()
  removeDir(dir)
})

test('a committed append is visible to another connection to the same file', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'fsync' })
  await store.append('doc', new Uint8Array([1, 2, 3]))
  const other = new Database(join(dir, 'tandem.db'), { readonly: true })
  assert.equal(other.prepare('SELECT count(*) FROM updates').pluck().get(), 1)
  assert.equal(other.pragma('journal_mode', { simple: true }), 'wal')
  other.close()
  await store.close()
  removeDir(dir)
})

test('a database from before the keyed log keeps every row, in order, and takes appends after them', async () => {
  const dir = tempDir()
  // The schema of earlier releases: a rowid table numbered by AUTOINCREMENT, and an index.
  const old = new Database(join(dir, 'tandem.db'))
  old.exec(`
    CREATE TABLE docs (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, size INTEGER NOT NULL DEFAULT 0, title TEXT NOT NULL DEFAULT '');
    CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
    CREATE INDEX updates_by_doc ON updates (doc, seq);
    INSERT INTO docs (name, created_at, updated_at, size) VALUES ('a', 1, 1, 3), ('b', 1, 1, 2);
  `)
  const insert = old.prepare('INSERT INTO updates (doc, data) VALUES (?, ?)')
  // Interleaved documents, with a gap where a row was deleted.
  for (const [doc, byte] of [['a', 1], ['b', 10], ['a', 2], ['x', 0], ['b', 11], ['a', 3]] as const) insert.run(doc, Buffer.from([byte]))
  old.exec("DELETE FROM updates WHERE doc = 'x'")
  old.close()

  const store = new SqliteStore({ dataDir: dir, durability: 'process' })
  assert.deepEqual((await store.load('a')).map((r) => r[0]), [1, 2, 3])
  assert.deepEqual((await store.load('b')).map((r) => r[0]), [10, 11])
  await store.append('a', new Uint8Array([4]))
  assert.deepEqual((await store.load('a')).map((r) => r[0]), [1, 2, 3, 4])
  assert.equal((await store.list()).find((d) => d.name === 'a')!.size, 4)
  await store.close()

  const reader = new Database(join(dir, 'tandem.db'), { readonly: true })
  const sql = reader.prepare("SELECT sql FROM sqlite_master WHERE name = 'updates'").pluck().get() as string
  assert.match(sql, /WITHOUT ROWID/)
  assert.equal(reader.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('updates_rowid', 'updates_by_doc')").pluck().get(), 0)
  reader.close()
  removeDir(dir)
})

test('a busy store waits out the commit gap, so appends from later turns share the next commit; a quiet one commits at once', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process', minCommitGapMs: 60_000 })
  const reader = new Database(join(dir, 'tandem.db'), { readonly: true })
  const count = reader.prepare("SELECT count(*) FROM updates WHERE doc = 'doc'").pluck()
  const committedSoon = (append: Promise<void>) =>
    Promise.race([append.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, 10_000, false).unref())])
  // Nothing committed for a minute: the first append does not wait for the gap.
  assert.equal(await committedSoon(store.append('doc', new Uint8Array([0]))), true)
  // A few writes, one per turn, are not enough to be worth gathering: each commits at once,
  // inside the gap.
  for (let i = 1; i <= 3; i++) assert.equal(await committedSoon(store.append('doc', new Uint8Array([i]))), true)
  assert.equal(count.get(), 4)
  // A burst makes the store busy (this one commits at once: the average catches up with it).
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.append('doc', new Uint8Array([4, i]))))
  assert.equal(count.get(), 204)
  // Busy, and a commit just began: what arrives over the next turns of the event loop waits for the next one.
  const first = store.append('doc', new Uint8Array([5]))
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(count.get(), 204, 'not committed while the gap lasts')
  const second = store.append('doc', new Uint8Array([6]))
  // close() commits what is gathered rather than wait out the gap.
  await store.close()
  await Promise.all([first, second])
  assert.equal(count.get(), 206)
  reader.close()
  removeDir(dir)
})

/** The docs row of `name` as another connection to the file sees it. */
function docsRow(dir: string, name: string): { size: number; updated_at: number } | undefined {
  const reader = new Database(join(dir, 'tandem.db'), { readonly: true })
  try {
    return reader.prepare('SELECT size, updated_at FROM docs WHERE name = ?').get(name) as { size: number; updated_at: number } | undefined
  } finally {
    reader.close()
  }
}

test('a commit writes the document row once, not its size each time; the list shows the size at once', async () => {
  const dir = tempDir()
  // Long enough that the owed metadata cannot be written during the test.
  const store = new SqliteStore({ dataDir: dir, durability: 'process', metadataIntervalMs: 60_000 })
  await store.append('doc', new Uint8Array(10))
  await store.append('doc', new Uint8Array(5))
  // Listed from the first append on; the size is owed, not written with every commit.
  assert.equal(docsRow(dir, 'doc')!.size, 0)
  assert.equal((await store.list()).find((d) => d.name === 'doc')!.size, 15)
  await store.close()
  // Closing writes what was owed.
  assert.equal(docsRow(dir, 'doc')!.size, 15)
  removeDir(dir)
})

test('owed sizes and times reach the document rows when the interval has passed, while appends keep coming', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process', metadataIntervalMs: 20 })
  await store.append('a', new Uint8Array(3))
  const before = Date.now()
  await store.append('b', new Uint8Array(4))
  await store.append('c', new Uint8Array(1))
  // Appends keep coming meanwhile.
  while (docsRow(dir, 'a')!.size !== 3 || docsRow(dir, 'b')!.size !== 4) await store.append('c', new Uint8Array(1))
  assert.ok(docsRow(dir, 'b')!.updated_at >= before)
  const list = await store.list()
  assert.equal(list.find((d) => d.name === 'c')!.size, (await store.load('c')).length)
  await store.close()
  removeDir(dir)
})

test('a relay killed before the sizes were written: loading the document puts its size right', async () => {
  const dir = tempDir()
  const killed = new SqliteStore({ dataDir: dir, durability: 'process', metadataIntervalMs: 60_000 })
  await killed.append('doc', new Uint8Array(7))
  await killed.append('doc', new Uint8Array(2))
  // Not closed, as after a SIGKILL: its owed metadata never reaches the file.
  const store = new SqliteStore({ dataDir: dir, durability: 'process', metadataIntervalMs: 60_000 })
  assert.equal((await store.list()).find((d) => d.name === 'doc')!.size, 0)
  assert.equal((await store.load('doc')).length, 2, 'every committed row survives')
  assert.equal((await store.list()).find((d) => d.name === 'doc')!.size, 9)
  await store.close()
  assert.equal(docsRow(dir, 'doc')!.size, 9)
  removeDir(dir)
})

const base = tempDir()
after(() => removeDir(base))
storeContract('SQLite', async (key) => new SqliteStore({ dataDir: join(base, key), durability: 'process' }))
