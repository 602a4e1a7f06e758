/**
 * The relay against the stock y-websocket client, over real sockets, with a
 * real SQLite file.
 */
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import { connectStockClient, until, upgradeStatus } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import type { Relay } from '../../server/relay.js'

let dir: string
let relay: Relay
let docCounter = 0
const freshDoc = () => `doc-${process.pid}-${++docCounter}`

before(async () => {
  dir = tempDir()
  relay = await startTestRelay(dir)
})
after(async () => {
  await relay.close()
  removeDir(dir)
})

test('two stock clients converge on concurrent edits', async () => {
  const name = freshDoc()
  const a = await connectStockClient(relay.port, name)
  const b = await connectStockClient(relay.port, name)
  a.text.insert(0, 'hello from a. ')
  b.text.insert(0, 'hello from b. ')
  await Promise.all([until(a.doc, 'update', () => a.text.length === 28), until(b.doc, 'update', () => b.text.length === 28)])
  assert.equal(a.text.toString(), b.text.toString())
  assert.match(a.text.toString(), /hello from a\./)
  assert.match(a.text.toString(), /hello from b\./)
  a.destroy()
  b.destroy()
})

test('awareness crosses between clients and is removed when one disconnects', async () => {
  const name = freshDoc()
  const a = await connectStockClient(relay.port, name)
  const b = await connectStockClient(relay.port, name)
  a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
  const aId = a.doc.clientID
  await until(b.provider.awareness, 'change', () => b.provider.awareness.getStates().get(aId)?.user?.name === 'Ada')
  // Cut A's socket without a goodbye: the relay must still clear A's presence.
  a.provider.ws!.close()
  a.provider.shouldConnect = false
  await until(b.provider.awareness, 'change', () => !b.provider.awareness.getStates().has(aId))
  a.destroy()
  b.destroy()
})

test('a client that connects later receives the whole document in its first sync', async () => {
  const name = freshDoc()
  const a = await connectStockClient(relay.port, name)
  const observer = await connectStockClient(relay.port, name)
  a.text.insert(0, 'written before b arrived')
  // Once relayed to the observer, the edit is committed and in the relay's copy.
  await until(observer.doc, 'update', () => observer.text.length === 24)
  const b = await connectStockClient(relay.port, name)
  // connectStockClient resolves on "synced", i.e. right after the first step 2.
  assert.equal(b.text.toString(), 'written before b arrived')
  for (const c of [a, observer, b]) c.destroy()
})

test('invalid document names are refused with HTTP 400 at the upgrade', async () => {
  for (const path of ['/ws/..', '/ws/.', '/ws/', '/ws/a%2Fb', '/ws/name%00', `/ws/${'x'.repeat(129)}`]) {
    assert.equal(await upgradeStatus(relay.port, path), 400, path)
  }
  assert.equal(await upgradeStatus(relay.port, '/ws/a/b'), 404)
  assert.equal(await upgradeStatus(relay.port, '/elsewhere'), 404)
  assert.equal(await upgradeStatus(relay.port, `/ws/${'x'.repeat(128)}`), 101)
  assert.equal(await upgradeStatus(relay.port, '/ws/Good.name_1-2'), 101)
})

test('GET /healthz answers with a JSON status', async () => {
  const res = await fetch(`http://127.0.0.1:${relay.port}/healthz`)
  assert.equal(res.status, 200)
  const body = (await res.json()) as { status: string; connections: number }
  assert.equal(body.status, 'ok')
  assert.equal(typeof body.connections, 'number')
})

test('/healthz answers a WebSocket upgrade, so a proxy can be checked for forwarding upgrades', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/healthz`)
  const message = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)))
    ws.once('error', reject)
  })
  const body = JSON.parse(message) as { status: string; upgrade: string }
  assert.equal(body.status, 'ok')
  assert.equal(body.upgrade, 'forwarded')
  const code = await new Promise<number>((resolve) => ws.once('close', resolve))
  assert.equal(code, 1000)
})

test('GET /healthz counts the clients on the HTTP fallback', async () => {
  const health = async () => ((await (await fetch(`http://127.0.0.1:${relay.port}/healthz`)).json()) as { httpFallbackSessions: number }).httpFallbackSessions
  const before = await health()
  const name = freshDoc()
  const res = await fetch(`http://127.0.0.1:${relay.port}/http/${name}/sessions`, { method: 'POST' })
  assert.equal(res.status, 201)
  const { session } = (await res.json()) as { session: string }
  assert.equal(await health(), before + 1)
  const gone = await fetch(`http://127.0.0.1:${relay.port}/http/${name}/sessions/${session}`, { method: 'DELETE' })
  assert.equal(gone.status, 204)
  assert.equal(await health(), before)
})

test('without a built client the relay still relays, and pages say how to build it', async () => {
  const dataDir = tempDir()
  const bare = await startTestRelay(dataDir, { clientDir: `${dataDir}/no-client` })
  const res = await fetch(`http://127.0.0.1:${bare.port}/d/some-doc`)
  assert.equal(res.status, 503)
  assert.match(await res.text(), /npm run build/)
  const a = await connectStockClient(bare.port, 'headless')
  a.destroy()
  await bare.close()
  removeDir(dataDir)
})

test('GET /api/docs lists stored documents newest first with the title the relay keeps current', async () => {
  const older = freshDoc()
  const newer = freshDoc()
  const a = await connectStockClient(relay.port, older)
  a.text.insert(0, 'body')
  const b = await connectStockClient(relay.port, newer)
  const watcher = await connectStockClient(relay.port, newer)
  b.doc.getText('title').insert(0, 'Quarterly plan')
  await until(watcher.doc, 'update', () => watcher.doc.getText('title').toString() === 'Quarterly plan')
  const list = async () => ((await (await fetch(`http://127.0.0.1:${relay.port}/api/docs`)).json()) as { docs: Array<{ name: string; title: string; updatedAt: number; size: number }> }).docs
  // The title is committed with the update that changed it, before anyone sees that update.
  let docs = await list()
  const entry = docs.find((d) => d.name === newer)!
  assert.equal(entry.title, 'Quarterly plan')
  assert.ok(entry.size > 0)
  assert.ok(docs.findIndex((d) => d.name === newer) < docs.findIndex((d) => d.name === older))
  b.doc.getText('title').insert(0, 'Q3 ')
  await until(watcher.doc, 'update', () => watcher.doc.getText('title').toString() === 'Q3 Quarterly plan')
  docs = await list()
  assert.equal(docs.find((d) => d.name === newer)!.title, 'Q3 Quarterly plan')
  for (const c of [a, b, watcher]) c.destroy()
})

test("a document in memory lets go of each finished transaction (Yjs' cleanup list is emptied)", async () => {
  // Yjs leaves the list holding a document's last transaction for the garbage
  // collector; a relay whose documents keep it pays for it in full collections
  // (server/relay/transactions.ts). Read here after the relay's own listener.
  const name = freshDoc()
  const a = await connectStockClient(relay.port, name)
  const observer = await connectStockClient(relay.port, name)
  const doc = relay.rooms.loaded(name)!.doc
  const left: number[] = []
  doc.on('afterAllTransactions', (_doc: unknown, transactions: unknown[]) => left.push(transactions.length))
  a.text.insert(0, 'one')
  await until(observer.doc, 'update', () => observer.text.length === 3)
  a.text.insert(3, ' two')
  await until(observer.doc, 'update', () => observer.text.length === 7)
  assert.ok(left.length >= 2, `the relay's document ran ${left.length} transactions`)
  assert.deepEqual(left, left.map(() => 0))
  a.destroy()
  observer.destroy()
})
