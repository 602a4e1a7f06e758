/**
 * What every DocStore promises, whatever is behind it. Each store's test file
 * runs these against a real instance of that store.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import type { DocStore } from '../../../server/store/store.js'

/** Registers the contract tests; `open(key)` gives a store over storage named `key` (same key, same data). */
export function storeContract(label: string, open: (key: string) => Promise<DocStore>): void {
  test(`${label}: compaction replaces the log with one row and keeps later appends`, async () => {
    const store = await open('compact')
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 5; i++) doc.getText('t').insert(0, `${i}`)
    for (const u of updates) await store.append('doc', u)
    const compacted = store.compact('doc', () => Y.encodeStateAsUpdate(doc))
    doc.getText('t').insert(0, 'later ')
    const later = store.append('doc', updates.at(-1)!)
    await Promise.all([compacted, later])
    const rows = await store.load('doc')
    // The five rows are gone. The later append is a row of its own, or part
    // of the compacted row when the store committed the append first and the
    // compaction read it (PostgreSQL commits compactions on their own).
    assert.ok(rows.length === 1 || rows.length === 2, `${rows.length} rows`)
    const loaded = new Y.Doc()
    for (const row of rows) Y.applyUpdate(loaded, row)
    assert.equal(loaded.getText('t').toString(), 'later 43210')
    await store.close()
  })

  test(`${label}: list shows documents newest first with their size; delete removes one`, async () => {
    const store = await open('list')
    await store.append('old', new Uint8Array(10))
    await store.append('new', new Uint8Array(5))
    await store.append('new', new Uint8Array(5))
    const list = await store.list()
    assert.deepEqual(list.map((d) => d.name).sort(), ['new', 'old'])
    assert.equal(list.find((d) => d.name === 'new')!.size, 10)
    assert.equal(typeof list[0]!.updatedAt, 'number')
    await store.delete('old')
    assert.deepEqual((await store.list()).map((d) => d.name), ['new'])
    assert.deepEqual(await store.load('old'), [])
    await store.close()
  })

  test(`${label}: a title set for a document shows in the list`, async () => {
    const store = await open('titles')
    await store.append('doc', new Uint8Array(3))
    await store.setTitle('doc', 'Quarterly plan')
    await store.setTitle('untouched', 'Only a title')
    const list = await store.list()
    assert.equal(list.find((d) => d.name === 'doc')!.title, 'Quarterly plan')
    assert.equal(list.find((d) => d.name === 'doc')!.size, 3)
    assert.equal(list.find((d) => d.name === 'untouched')!.title, 'Only a title')
    await store.close()
  })

  test(`${label}: a closed store refuses work instead of losing it silently`, async () => {
    const store = await open('closed')
    const pending = store.append('doc', new Uint8Array([1]))
    await store.close()
    await pending
    await assert.rejects(store.append('doc', new Uint8Array([2])), /closed/)
    const reopened = await open('closed')
    assert.equal((await reopened.load('doc')).length, 1)
    await reopened.close()
  })
}
