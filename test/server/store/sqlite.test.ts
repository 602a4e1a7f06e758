import { test } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { SqliteStore } from '../../../server/store/sqlite.js'
import { removeDir, tempDir } from '../../helpers/relay.js'

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

test('compaction replaces the log and keeps later appends', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process' })
  for (let i = 0; i < 5; i++) await store.append('doc', new Uint8Array([i]))
  const compacted = store.compact('doc', new Uint8Array([42]))
  const later = store.append('doc', new Uint8Array([43]))
  await Promise.all([compacted, later])
  assert.deepEqual((await store.load('doc')).map((r) => [...r]), [[42], [43]])
  await store.close()
  removeDir(dir)
})

test('list shows documents newest first with their size; delete removes one', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process' })
  await store.append('old', new Uint8Array(10))
  await store.append('new', new Uint8Array(5))
  // Same millisecond is possible: bump "new" explicitly to be later.
  await store.append('new', new Uint8Array(5))
  const list = await store.list()
  assert.deepEqual(list.map((d) => d.name).sort(), ['new', 'old'])
  assert.equal(list.find((d) => d.name === 'new')!.size, 10)
  await store.delete('old')
  assert.deepEqual((await store.list()).map((d) => d.name), ['new'])
  assert.deepEqual(await store.load('old'), [])
  await store.close()
  removeDir(dir)
})

test('a closed store refuses work instead of losing it silently', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process' })
  const pending = store.append('doc', new Uint8Array([1]))
  await store.close()
  await pending
  await assert.rejects(store.append('doc', new Uint8Array([2])), /closed/)
  const reopened = new SqliteStore({ dataDir: dir, durability: 'process' })
  assert.equal((await reopened.load('doc')).length, 1)
  await reopened.close()
  removeDir(dir)
})
