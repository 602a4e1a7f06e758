import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { SqliteStore } from '../../../server/store/sqlite.js'
import { SqliteVersionStore } from '../../../server/store/sqlite-versions.js'
import { removeDir, tempDir } from '../../helpers/relay.js'
import { versionStoreContract } from './versions-contract.js'

const base = tempDir()
after(() => removeDir(base))
versionStoreContract('SQLite', async (key, retention) => {
  const store = new SqliteStore({ dataDir: join(base, key), durability: 'fsync' })
  return { store, versions: new SqliteVersionStore(store.database, retention) }
})

test('SQLite: versions written before deltas existed (full states, no base column) still read', async () => {
  const dataDir = join(base, 'before-deltas')
  const old = new SqliteStore({ dataDir, durability: 'fsync' })
  // The table as releases before deltas created it.
  old.database.exec(`CREATE TABLE versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, created_at INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, authors TEXT NOT NULL DEFAULT '[]',
    title TEXT NOT NULL DEFAULT '', state BLOB NOT NULL)`)
  old.database.prepare("INSERT INTO versions (doc, created_at, kind, state) VALUES ('doc', 1, 'auto', ?)").run(Buffer.from([7, 8]))
  await old.close()
  const store = new SqliteStore({ dataDir, durability: 'fsync' })
  const versions = new SqliteVersionStore(store.database)
  const [listed] = await versions.list('doc', { limit: 10 })
  assert.deepEqual((await versions.get('doc', listed!.id))!.updates.map((u) => [...u]), [[7, 8]])
  const delta = await versions.add('doc', { createdAt: 2, label: '', kind: 'auto', authors: [], title: '', state: new Uint8Array([9]), base: listed!.id })
  assert.deepEqual((await versions.get('doc', delta.id))!.updates.map((u) => [...u]), [[7, 8], [9]])
  await store.close()
})
