/**
 * What every VersionStore promises, whatever is behind it. Each backend's
 * test file runs these against a real instance of that backend.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { DocStore } from '../../../server/store/store.js'
import type { VersionStore } from '../../../server/store/versions.js'

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

/** Registers the contract tests; `open(key)` gives stores over storage named `key` (same key, same data). */
export function versionStoreContract(label: string, open: (key: string) => Promise<VersionBackend>): void {
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
    assert.deepEqual([...full!.state], [2, 3])
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
}
