import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SqliteStore } from '../../../server/store/sqlite.js'
import { SqliteVersionStore } from '../../../server/store/sqlite-versions.js'
import { removeDir, tempDir } from '../../helpers/relay.js'

const version = (n: number, label = '') => ({
  createdAt: 1_000 + n,
  label,
  kind: 'auto' as const,
  authors: [`author ${n}`],
  title: `title ${n}`,
  state: new Uint8Array([n, n + 1]),
})

test('versions are kept per document, listed newest first and paged', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process' })
  const versions = new SqliteVersionStore(store.database)
  const ids = []
  for (let n = 1; n <= 5; n++) ids.push((await versions.add('a', version(n, n === 2 ? 'Draft' : ''))).id)
  await versions.add('b', version(9))
  const first = await versions.list('a', { limit: 2 })
  assert.deepEqual(first.map((v) => v.id), [ids[4], ids[3]])
  const rest = await versions.list('a', { limit: 10, before: first[1]!.id })
  assert.deepEqual(rest.map((v) => v.id), [ids[2], ids[1], ids[0]])
  assert.deepEqual(rest[1], { id: ids[1], createdAt: 1002, label: 'Draft', kind: 'auto', authors: ['author 2'], title: 'title 2' })
  const full = await versions.get('a', ids[1]!)
  assert.deepEqual([...full!.state], [2, 3])
  assert.equal(await versions.get('b', ids[1]!), null, "another document's id is not found")
  await store.close()
  removeDir(dir)
})

test('versions survive reopening the database file', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'fsync' })
  const { id } = await new SqliteVersionStore(store.database).add('doc', version(1, 'kept'))
  await store.close()
  const reopened = new SqliteStore({ dataDir: dir, durability: 'fsync' })
  const got = await new SqliteVersionStore(reopened.database).get('doc', id)
  assert.equal(got?.label, 'kept')
  await reopened.close()
  removeDir(dir)
})
