/**
 * What every VersionStore promises, whatever is behind it. Each backend's
 * test file runs these against a real instance of that backend.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { DocStore } from '../../../server/store/store.js'
import { MissingBase, type VersionKind, type VersionStore } from '../../../server/store/versions.js'
import type { Retention } from '../../../server/versions/retention.js'

/** A document store and the version store beside it, in the same database. */
export interface VersionBackend {
  store: DocStore
  versions: VersionStore
}

const version = (n: number, label = '') => ({
  createdAt: 1_000 + n,
  label,
  kind: 'auto' as const,
  authors: [`author ${n}`],
  title: `title ${n}`,
  state: new Uint8Array([n, n + 1]),
})

const HOUR = 3_600_000
const DAY = 24 * HOUR
const WEEK = 7 * DAY

/**
 * Registers the contract tests; `open(key, retention)` gives stores over
 * storage named `key` (same key, same data), pruning by `retention` when given.
 */
export function versionStoreContract(label: string, open: (key: string, retention?: Retention) => Promise<VersionBackend>): void {
  test(`${label}: versions are kept per document, listed newest first and paged`, async () => {
    const { store, versions } = await open('paged')
    const ids = []
    for (let n = 1; n <= 5; n++) ids.push((await versions.add('a', version(n, n === 2 ? 'Draft' : ''))).id)
    await versions.add('b', version(9))
    const first = await versions.list('a', { limit: 2 })
    assert.deepEqual(first.map((v) => v.id), [ids[4], ids[3]])
    const rest = await versions.list('a', { limit: 10, before: first[1]!.id })
    assert.deepEqual(rest.map((v) => v.id), [ids[2], ids[1], ids[0]])
    assert.deepEqual(rest[1], { id: ids[1], createdAt: 1002, label: 'Draft', kind: 'auto', authors: ['author 2'], title: 'title 2' })
    const full = await versions.get('a', ids[1]!)
    assert.deepEqual(full!.updates.map((u) => [...u]), [[2, 3]])
    assert.equal(await versions.get('b', ids[1]!), null, "another document's id is not found")
    await store.close()
  })

  test(`${label}: versions survive reopening the database`, async () => {
    const first = await open('reopen')
    const { id } = await first.versions.add('doc', version(1, 'kept'))
    await first.store.close()
    const reopened = await open('reopen')
    const got = await reopened.versions.get('doc', id)
    assert.equal(got?.label, 'kept')
    await reopened.store.close()
  })

  test(`${label}: deleting a document removes its versions and no other document's`, async () => {
    const { store, versions } = await open('delete')
    await store.append('gone', new Uint8Array([1]))
    const { id } = await versions.add('gone', version(1, 'old'))
    const kept = await versions.add('stays', version(2))
    await store.delete('gone')
    assert.deepEqual(await versions.list('gone', { limit: 10 }), [])
    assert.equal(await versions.get('gone', id), null)
    assert.deepEqual((await versions.list('stays', { limit: 10 })).map((v) => v.id), [kept.id])
    await store.close()
  })

  test(`${label}: pruning keeps named versions, recent automatic ones, then one a day, then one a week`, async () => {
    const { store, versions } = await open('prune', { keepAllMs: 24 * HOUR, keepDailyMs: 30 * DAY })
    const now = Date.UTC(2024, 4, 20, 12) // noon: the two at 30 and 31 hours ago share a day
    const week = Math.floor((now - 45 * DAY) / WEEK) * WEEK // a week 45 days back, from its first hour
    const at = async (createdAt: number, kind: VersionKind = 'auto', label = '') =>
      (await versions.add('doc', { ...version(0, label), createdAt, kind })).id
    const kept = [
      await at(week - HOUR), // alone in the week before
      await at(week + 2 * HOUR, 'restore', 'Restored Draft'),
      await at(week + 3 * DAY), // newest automatic one of its week
      await at(now - 40 * DAY, 'named', 'Draft'),
      await at(now - 3 * DAY),
      await at(now - 31 * HOUR, 'auto', 'labelled later'),
      await at(now - 30 * HOUR), // newest of its day
      await at(now - 23 * HOUR),
      await at(now - 2 * HOUR),
      await at(now - HOUR),
    ]
    const dropped = [await at(week + HOUR), await at(week + 2 * DAY), await at(now - 31 * HOUR), await at(now - 32 * HOUR)]
    const other = await versions.add('other', { ...version(1), createdAt: now - 32 * HOUR })
    await versions.add('other', { ...version(2), createdAt: now - 31 * HOUR })

    assert.equal(await versions.prune('doc', now), dropped.length)
    const left = (await versions.list('doc', { limit: 100 })).map((v) => v.id)
    assert.deepEqual([...left].sort((a, b) => a - b), [...kept].sort((a, b) => a - b))
    assert.equal(await versions.prune('doc', now), 0, 'pruning again removes nothing')
    assert.ok(await versions.get('other', other.id), "another document's versions are left alone")
    await store.close()
  })

  test(`${label}: a delta reads back behind the versions it builds on; a delta on a version never stored is refused`, async () => {
    const { store, versions } = await open('deltas')
    const full = await versions.add('doc', version(1))
    const delta = await versions.add('doc', { ...version(2), base: full.id })
    const next = await versions.add('doc', { ...version(3, 'Named'), kind: 'named', base: delta.id })
    assert.deepEqual((await versions.get('doc', next.id))!.updates.map((u) => [...u]), [[1, 2], [2, 3], [3, 4]])
    assert.deepEqual((await versions.get('doc', delta.id))!.updates.map((u) => [...u]), [[1, 2], [2, 3]])
    assert.deepEqual((await versions.list('doc', { limit: 10 })).map((v) => v.id), [next.id, delta.id, full.id])
    await assert.rejects(versions.add('doc', { ...version(4), base: next.id + 100 }), MissingBase)
    await assert.rejects(versions.add('other', { ...version(4), base: next.id }), MissingBase, "another document's version is no base")
    assert.equal((await versions.list('doc', { limit: 10 })).length, 3, 'nothing stored by a refused delta')
    await store.close()
  })

  test(`${label}: thinning hides a version a kept one builds on, and removes it once none does`, async () => {
    const { store, versions } = await open('chains', { keepAllMs: 24 * HOUR, keepDailyMs: 30 * DAY })
    const now = Date.UTC(2024, 4, 20, 12)
    const at = async (hoursAgo: number, base?: number) =>
      (await versions.add('doc', { ...version(hoursAgo), createdAt: now - hoursAgo * HOUR, ...(base === undefined ? {} : { base }) })).id
    // One day (the 19th): a full state and two deltas on it, in a chain.
    const full = await at(33)
    const middle = await at(32, full)
    const newest = await at(31, middle)
    assert.equal(await versions.prune('doc', now), 2, 'the two older of the day leave the list')
    assert.deepEqual((await versions.list('doc', { limit: 10 })).map((v) => v.id), [newest])
    assert.equal(await versions.get('doc', full), null, 'a thinned version is not served')
    assert.deepEqual((await versions.get('doc', newest))!.updates.map((u) => [...u]), [[33, 34], [32, 33], [31, 32]], 'the kept one still reads whole')
    assert.equal(await versions.prune('doc', now), 0, 'pruning again removes nothing')

    // A newer full state of the same day: the chain is needed by nothing and goes.
    const replacement = await at(30)
    assert.equal(await versions.prune('doc', now), 1)
    assert.deepEqual((await versions.list('doc', { limit: 10 })).map((v) => v.id), [replacement])
    for (const gone of [full, middle, newest]) {
      await assert.rejects(versions.add('doc', { ...version(9), base: gone }), MissingBase, `version ${gone} is deleted`)
    }
    await store.close()
  })

  test(`${label}: without a retention, pruning keeps everything`, async () => {
    const { store, versions } = await open('keep')
    for (let n = 0; n < 3; n++) await versions.add('doc', { ...version(n), createdAt: n * DAY })
    assert.equal(await versions.prune('doc', 400 * DAY), 0)
    assert.equal((await versions.list('doc', { limit: 10 })).length, 3)
    await store.close()
  })
}
