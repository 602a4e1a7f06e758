/**
 * Renaming and deleting documents over HTTP, against a real relay and store
 * (SQLite here; PostgreSQL in postgres-suite.test.ts).
 */
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import type WebSocket from 'ws'
import { closed, connectStockClient, openRawSocket, until, type StockClient } from '../helpers/clients.js'
import { openTestStore, removeDir, startTestRelay, tempDir, wrapStore } from '../helpers/relay.js'
import type { Relay } from '../../server/relay.js'
import { CloseCode, encodeSyncStep2, encodeSyncUpdate } from '../../shared/protocol.js'
import { CONTENT_FRAGMENT, TITLE_TEXT } from '../../shared/docmodel.js'
import { SqliteStore } from '../../server/store/sqlite.js'
import { PostgresStore } from '../../server/store/postgres.js'
import type { DocStore } from '../../server/store/store.js'

let dir: string
let relay: Relay
let docCounter = 0
const freshDoc = () => `manage-${process.pid}-${++docCounter}`
const url = (path: string, on: Relay = relay) => `http://127.0.0.1:${on.port}${path}`
const leftOpen: Array<StockClient | WebSocket> = []

before(async () => {
  dir = tempDir()
  relay = await startTestRelay(dir)
})
after(async () => {
  for (const item of leftOpen) 'terminate' in item ? item.terminate() : item.destroy()
  await relay.close()
  removeDir(dir)
})

async function client(name: string, on: Relay = relay): Promise<StockClient> {
  const c = await connectStockClient(on.port, name)
  leftOpen.push(c)
  return c
}

async function raw(name: string, on: Relay = relay): Promise<WebSocket> {
  const ws = await openRawSocket(on.port, `/ws/${name}`)
  leftOpen.push(ws)
  return ws
}

/** A document with a title and a paragraph, committed, and a named version of it. */
async function writtenDoc(title: string): Promise<{ name: string; writer: StockClient }> {
  const name = freshDoc()
  const writer = await client(name)
  writer.doc.transact(() => {
    writer.doc.getText(TITLE_TEXT).insert(0, title)
    writer.doc.getXmlFragment(CONTENT_FRAGMENT).insert(0, [new Y.XmlElement('paragraph')])
  })
  const room = relay.rooms.loaded(name)!
  await until(room.doc, 'update', () => room.doc.getText(TITLE_TEXT).toString() === title)
  await room.settled()
  return { name, writer }
}

/** Rows the store holds for `name` in each table, read with SQL. */
async function rowCounts(store: DocStore, name: string): Promise<{ docs: number; updates: number; versions: number }> {
  const queries = {
    docs: 'SELECT count(*) AS n FROM docs WHERE name = $1',
    updates: 'SELECT count(*) AS n FROM updates WHERE doc = $1',
    versions: 'SELECT count(*) AS n FROM versions WHERE doc = $1',
  }
  const counts = { docs: 0, updates: 0, versions: 0 }
  for (const [table, sql] of Object.entries(queries) as Array<[keyof typeof counts, string]>) {
    if (store instanceof SqliteStore) counts[table] = (store.database.prepare(sql.replace('$1', '?')).get(name) as { n: number }).n
    else if (store instanceof PostgresStore) counts[table] = Number((await store.connections.query<{ n: string }>(sql, [name])).rows[0]!.n)
    else throw new Error('unknown store')
  }
  return counts
}

const del = (name: string, on: Relay = relay) => fetch(url(`/api/docs/${name}`, on), { method: 'DELETE' })
const rename = (name: string, title: unknown, on: Relay = relay) =>
  fetch(url(`/api/docs/${name}/title`, on), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title, by: 'Ada' }) })

test('deleting a document removes every row: its listing, its log and its versions', async () => {
  const { name, writer } = await writtenDoc('Doomed')
  const named = await fetch(url(`/api/docs/${name}/versions`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"label":"v1"}' })
  assert.equal(named.status, 201)
  const before = await rowCounts(relay.store, name)
  assert.ok(before.docs === 1 && before.updates > 0 && before.versions > 0, JSON.stringify(before))
  // A neighbour must survive.
  const { name: neighbour } = await writtenDoc('Neighbour')

  const res = await del(name)
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { deleted: name })
  assert.deepEqual(await rowCounts(relay.store, name), { docs: 0, updates: 0, versions: 0 })
  const list = (await (await fetch(url('/api/docs'))).json()) as { docs: Array<{ name: string }> }
  assert.ok(!list.docs.some((d) => d.name === name))
  assert.ok(list.docs.some((d) => d.name === neighbour))
  assert.equal(relay.rooms.has(name), false)
  assert.equal((await fetch(url(`/api/docs/${name}/export?format=txt`))).status, 404)
  writer.destroy()
})

test("a deleted document's open sockets close with 4404; the stock client stays away and a new visitor finds it empty", async () => {
  const { name, writer } = await writtenDoc('Open elsewhere')
  const socket = await raw(name)
  const socketClosed = closed(socket)
  const providerClosed = new Promise<{ code: number }>((resolve) => writer.provider.once('closed', resolve))

  assert.equal((await del(name)).status, 200)
  assert.deepEqual(await socketClosed, { code: CloseCode.DOC_DELETED, reason: 'document deleted' })
  assert.equal((await providerClosed).code, CloseCode.DOC_DELETED)
  // The stock provider does not reconnect on 4400-4499, so it cannot upload its copy again.
  assert.equal(writer.provider.shouldConnect, false)

  const visitor = await client(name)
  assert.equal(visitor.doc.getText(TITLE_TEXT).toString(), '')
  assert.equal(visitor.doc.getXmlFragment(CONTENT_FRAGMENT).length, 0)
  writer.destroy()
})

test('edits sent just before the delete (and their pending version) leave no row behind', async () => {
  const { name, writer } = await writtenDoc('Busy')
  writer.doc.getXmlFragment(CONTENT_FRAGMENT).insert(0, [new Y.XmlElement('paragraph')])
  writer.doc.getText(TITLE_TEXT).insert(0, 'Very ')
  assert.equal((await del(name)).status, 200)
  assert.deepEqual(await rowCounts(relay.store, name), { docs: 0, updates: 0, versions: 0 })
  writer.destroy()
})

test('a peer connecting while the store deletes is refused with 4404, so its old copy does not come back', { timeout: 15_000 }, async () => {
  const gateDir = tempDir()
  const store = await openTestStore(gateDir)
  let entered!: () => void
  const deleting = new Promise<void>((resolve) => (entered = resolve))
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const gated = wrapStore(store, {
    delete: async (name) => {
      entered()
      await gate
      return store.delete(name)
    },
  })
  const other = await startTestRelay(gateDir, {}, gated)
  try {
    const name = freshDoc()
    const writer = await client(name, other)
    writer.doc.getText(TITLE_TEXT).insert(0, 'Old content')
    const room = other.rooms.loaded(name)!
    await until(room.doc, 'update', () => room.doc.getText(TITLE_TEXT).toString() === 'Old content')
    await room.settled()
    const oldState = Y.encodeStateAsUpdate(writer.doc)

    const deleted = del(name, other)
    await deleting
    // A stale copy arrives while the rows are being removed.
    const stale = await raw(name, other)
    const staleClosed = closed(stale)
    stale.send(encodeSyncStep2(oldState))
    stale.send(encodeSyncUpdate(oldState))
    assert.equal((await staleClosed).code, CloseCode.DOC_DELETED)
    release()
    assert.equal((await deleted).status, 200)
    assert.deepEqual(await store.load(name), [])
    const visitor = await client(name, other)
    assert.equal(visitor.doc.getText(TITLE_TEXT).toString(), '')
    writer.destroy()
  } finally {
    release()
    await other.close()
    removeDir(gateDir)
  }
})

test('renaming is a live edit: an open editor sees the new title, and the list and versions follow', async () => {
  const { name, writer } = await writtenDoc('Draft')
  const res = await rename(name, '  Final report  ')
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { title: 'Final report' })
  await until(writer.doc, 'update', () => writer.doc.getText(TITLE_TEXT).toString() === 'Final report')
  const list = (await (await fetch(url('/api/docs'))).json()) as { docs: Array<{ name: string; title: string }> }
  assert.equal(list.docs.find((d) => d.name === name)?.title, 'Final report')
  // Stored like any edit: a relay that never had it in memory reads the new title.
  const other = await startTestRelay(dir)
  try {
    const md = await fetch(url(`/api/docs/${name}/export?format=md`, other))
    assert.match(md.headers.get('content-disposition')!, /filename="Final report\.md"/)
  } finally {
    await other.close()
  }
  writer.destroy()
})

test('renaming a document nobody has open is stored and served to the next visitor', async () => {
  const { name, writer } = await writtenDoc('Closed')
  writer.destroy()
  assert.equal((await rename(name, 'Reopened')).status, 200)
  const visitor = await client(name)
  assert.equal(visitor.doc.getText(TITLE_TEXT).toString(), 'Reopened')
})

test('rename and delete refuse bad requests with a reason', async () => {
  const { name, writer } = await writtenDoc('Keep')
  const missing = await rename('never-written-doc', 'x')
  assert.equal(missing.status, 404)
  assert.match(((await missing.json()) as { error: string }).error, /no document/)
  assert.equal((await del('never-written-doc')).status, 404)
  assert.equal((await rename(name, 'x'.repeat(201))).status, 400)
  assert.equal((await rename(name, 42)).status, 400)
  assert.equal((await rename(name, 'tab\there')).status, 400)
  assert.equal((await fetch(url(`/api/docs/${name}/title`), { method: 'POST', body: '{}' })).status, 405)
  assert.equal((await fetch(url(`/api/docs/${name}`), { method: 'POST' })).status, 405)
  assert.equal((await del('bad%2Fname')).status, 400)
  assert.equal(writer.doc.getText(TITLE_TEXT).toString(), 'Keep')
  assert.equal((await relay.store.load(name)).length > 0, true)
  writer.destroy()
})

test('two deletes of one document at once: one deletes, the other deletes too or finds nothing; nothing is left', async () => {
  const { name, writer } = await writtenDoc('Twice')
  const statuses = (await Promise.all([del(name), del(name)])).map((r) => r.status)
  assert.ok(statuses.includes(200) && statuses.every((s) => s === 200 || s === 404), String(statuses))
  assert.deepEqual(await rowCounts(relay.store, name), { docs: 0, updates: 0, versions: 0 })
  const named = await fetch(url(`/api/docs/${name}/versions`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"label":"late"}' })
  assert.equal(named.status, 404)
  assert.equal((await del(name)).status, 404)
  writer.destroy()
})
