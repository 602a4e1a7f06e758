import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { existsSync, statSync } from 'node:fs'
import { once } from 'node:events'
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

test("checkpoints run off the relay's thread: the log reaches the database file and starts over, and closing leaves no log", { timeout: 30_000 }, async () => {
  const dir = tempDir()
  const store = new SqliteStore({ dataDir: dir, durability: 'process' })
  const file = join(dir, 'tandem.db')
  const emptySize = statSync(file).size
  const update = new Uint8Array(1024).fill(7)
  const rounds: Array<{ commits: number; log: number }> = []
  for (let round = 0; round < 3; round++) {
    let checkpoint: { log: number } | null = null
    void once(store.checkpoints, 'checkpoint').then(([result]) => (checkpoint = result as { log: number }))
    // Group commits of one update each, spaced like a busy room's (~1 ms apart), while the
    // worker checkpoints; commits back to back happen to let the log start over anyway.
    let commits = 0
    while (!checkpoint) {
      await store.append('doc', update)
      commits++
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    rounds.push({ commits, log: (checkpoint as { log: number }).log })
  }
  const committed = rounds.reduce((sum, r) => sum + r.commits, 0)
  assert.ok(statSync(file).size > emptySize + rounds[0]!.commits * 1024, 'the updates were copied into the database file')
  // SQLite's default would have checkpointed inside a commit after 1,000 pages; the relay's connection waits far longer.
  assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), 16_384)
  // The first round's log holds its commits alone; a log never started over would hold every round's by the third.
  const pagesPerCommit = rounds[0]!.log / rounds[0]!.commits
  const last = rounds[2]!
  assert.ok(last.log < 0.8 * pagesPerCommit * committed, `the log started over (rounds: ${JSON.stringify(rounds)})`)
  assert.equal((await store.load('doc')).length, committed)
  await store.close()
  assert.equal(existsSync(`${file}-wal`), false, 'the last connection to close checkpointed and removed the log')
  removeDir(dir)
})
