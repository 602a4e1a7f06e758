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

const base = tempDir()
after(() => removeDir(base))
storeContract('SQLite', async (key) => new SqliteStore({ dataDir: join(base, key), durability: 'process' }))
