import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WalSync } from '../../../server/store/wal-sync.js'
import { SqliteStore } from '../../../server/store/sqlite.js'
import { removeDir, tempDir } from '../../helpers/relay.js'

test('commits close together share one background flush of the log; a later commit gets another', async () => {
  const dir = tempDir()
  const wal = join(dir, 'tandem.db-wal')
  writeFileSync(wal, 'log')
  const sync = new WalSync(wal, 20)
  const first = sync.nextFlush()
  sync.committed()
  sync.committed()
  sync.committed()
  await first
  assert.equal(sync.syncs, 1)
  const second = sync.nextFlush()
  sync.committed()
  await second
  assert.equal(sync.syncs, 2)
  await sync.close()
  removeDir(dir)
})

test('a log that cannot be opened is left to the checkpoint: no error escapes, nothing is counted', async () => {
  const dir = tempDir()
  const sync = new WalSync(join(dir, 'missing-wal'), 1)
  const attempted = sync.nextFlush()
  sync.committed()
  await attempted
  assert.equal(sync.syncs, 0)
  await sync.close()
  removeDir(dir)
})

test('after close() nothing more is flushed, however many commits come', async () => {
  const dir = tempDir()
  const wal = join(dir, 'tandem.db-wal')
  writeFileSync(wal, 'log')
  const sync = new WalSync(wal, 1)
  sync.committed()
  await sync.close()
  sync.committed()
  assert.equal(sync.syncs, 0, 'the armed flush was cancelled')
  removeDir(dir)
})

test('at durability "process" the store flushes its log in the background after a commit; at "fsync" its commits do', async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process', walSyncDelayMs: 5 })
  assert.ok(store.walSync)
  const flushed = store.walSync.nextFlush()
  await store.append('doc', new Uint8Array([1, 2, 3]))
  await flushed
  assert.equal(store.walSync.syncs, 1)
  await store.close()
  removeDir(dir)

  const fsyncDir = tempDir()
  const fsyncStore = new SqliteStore({ dataDir: fsyncDir, durability: 'fsync' })
  assert.equal(fsyncStore.walSync, null)
  await fsyncStore.close()
  removeDir(fsyncDir)
})
