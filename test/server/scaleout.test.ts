/**
 * Several relays, one truth: two relays on two ports sharing one PostgreSQL
 * and one Redis, with stock y-websocket clients on each. Real servers
 * throughout; PostgreSQL and Redis are started once for the whole file.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connectStockClient, drained, until, type StockClient } from '../helpers/clients.js'
import { removeDir, startChildRelay, startTestRelay, tempDir, useDatabase } from '../helpers/relay.js'
import { startPostgres, startRedis, type Service } from '../helpers/services.js'
import type { Relay } from '../../server/relay.js'
import type { RedisFanout } from '../../server/fanout/redis.js'

const HEARTBEAT_MS = 100
let postgres: Service
let redis: Service
let dir: string
const relays: Relay[] = []
let docCounter = 0
const freshDoc = () => `scale-${++docCounter}`

before(async () => {
  ;[postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  useDatabase(postgres.url)
  dir = tempDir()
})
after(async () => {
  for (const relay of relays) await relay.close()
  await Promise.all([postgres.destroy(), redis.destroy()])
  removeDir(dir)
})

/** An in-process relay on PostgreSQL + Redis, closed after the file. */
async function relay(): Promise<Relay> {
  const started = await startTestRelay(dir, { redisUrl: redis.url, relayHeartbeatMs: HEARTBEAT_MS })
  relays.push(started)
  return started
}

/** The same, as a child process (so it can be killed with SIGKILL). */
function childRelay() {
  return startChildRelay(dir, ['--redis-url', redis.url, '--relay-heartbeat-ms', String(HEARTBEAT_MS)])
}

const textIs = (client: StockClient, expected: string) => until(client.doc, 'update', () => client.text.toString() === expected)

/**
 * Once `writers` settled (the compactions the last updates triggered may
 * still be committing): the document's log holds fewer than `rows` rows, and
 * a relay loading it cold serves `expected`.
 */
async function assertCompactedAndWhole(writers: Relay[], name: string, rows: number, expected: string): Promise<void> {
  await Promise.all(writers.map((r) => r.rooms.loaded(name)?.settled()))
  const stored = await writers[0]!.store.load(name)
  assert.ok(stored.length < rows, `the log should have been compacted, has ${stored.length} rows`)
  const cold = await relay()
  const fresh = await connectStockClient(cold.port, name)
  assert.equal(fresh.text.toString(), expected)
  fresh.destroy()
}

test('clients on two relays converge on concurrent edits and see each other\'s presence', async () => {
  const [a, b] = [await relay(), await relay()]
  const name = freshDoc()
  const onA = await connectStockClient(a.port, name)
  const onB = await connectStockClient(b.port, name)
  onA.text.insert(0, 'from A. ')
  onB.text.insert(0, 'from B. ')
  await Promise.all([until(onA.doc, 'update', () => onA.text.length === 16), until(onB.doc, 'update', () => onB.text.length === 16)])
  assert.equal(onA.text.toString(), onB.text.toString())

  onA.provider.awareness.setLocalStateField('user', { name: 'Ada' })
  onB.provider.awareness.setLocalStateField('user', { name: 'Bob' })
  await until(onB.provider.awareness, 'change', () => onB.provider.awareness.getStates().get(onA.doc.clientID)?.user?.name === 'Ada')
  await until(onA.provider.awareness, 'change', () => onA.provider.awareness.getStates().get(onB.doc.clientID)?.user?.name === 'Bob')
  // A clean goodbye on A reaches B's client too.
  onA.destroy()
  await until(onB.provider.awareness, 'change', () => !onB.provider.awareness.getStates().has(onA.doc.clientID))
  onB.destroy()
})

test('a client joining on another relay gets presence that was set before it came', async () => {
  const [a, b] = [await relay(), await relay()]
  const name = freshDoc()
  const onA = await connectStockClient(a.port, name)
  onA.provider.awareness.setLocalStateField('user', { name: 'Ada' })
  onA.text.insert(0, 'written on A')
  const observer = await connectStockClient(a.port, name)
  await textIs(observer, 'written on A')
  const onB = await connectStockClient(b.port, name)
  // Its first sync on B is already complete: B loaded what A committed.
  assert.equal(onB.text.toString(), 'written on A')
  await until(onB.provider.awareness, 'change', () => onB.provider.awareness.getStates().get(onA.doc.clientID)?.user?.name === 'Ada')
  for (const c of [onA, observer, onB]) c.destroy()
})

test('kill -9 of a relay right after another relay\'s client received its edits loses nothing', async () => {
  const a = await childRelay()
  const b = await relay()
  const name = freshDoc()
  const writer = await connectStockClient(a.port, name)
  const reader = await connectStockClient(b.port, name)
  writer.provider.shouldConnect = false
  for (let i = 0; i < 50; i++) writer.text.insert(writer.text.length, `${i};`)
  const expected = writer.text.toString()
  await textIs(reader, expected)
  a.process.kill('SIGKILL')
  assert.equal((await a.exited).signal, 'SIGKILL')
  writer.destroy()
  reader.destroy()

  const again = await connectStockClient(b.port, name)
  assert.equal(again.text.toString(), expected)
  const cold = await relay()
  const fresh = await connectStockClient(cold.port, name)
  assert.equal(fresh.text.toString(), expected, 'a relay loading from PostgreSQL holds every edit')
  again.destroy()
  fresh.destroy()
})

test('the clients of a relay that dies leave everyone\'s presence', async () => {
  const a = await childRelay()
  const b = await relay()
  const name = freshDoc()
  const onA = await connectStockClient(a.port, name)
  onA.provider.shouldConnect = false
  const onB = await connectStockClient(b.port, name)
  onA.provider.awareness.setLocalStateField('user', { name: 'Ada' })
  const present = () => onB.provider.awareness.getStates().has(onA.doc.clientID)
  await until(onB.provider.awareness, 'change', present)
  // No goodbye: the relay vanishes, and only its silence on Redis tells.
  a.process.kill('SIGKILL')
  await a.exited
  await until(onB.provider.awareness, 'change', () => !present(), 5_000)
  onA.destroy()
  onB.destroy()
})

test('Redis restarted mid-edit: each relay keeps serving its clients, and the relays converge again', async () => {
  const [a, b] = [await relay(), await relay()]
  const name = freshDoc()
  const a1 = await connectStockClient(a.port, name)
  const a2 = await connectStockClient(a.port, name)
  const b1 = await connectStockClient(b.port, name)
  a1.text.insert(0, 'before. ')
  await textIs(b1, 'before. ')

  await redis.stop()
  a1.text.insert(a1.text.length, 'A while Redis is down. ')
  // Clients on the same relay still edit together.
  await textIs(a2, a1.text.toString())
  b1.text.insert(0, 'B while Redis is down. ')
  await redis.start()

  const all = [a1, a2, b1]
  await Promise.all(all.map((c) => until(c.doc, 'update', () => c.text.length === 8 + 23 + 23)))
  for (const c of all) assert.equal(c.text.toString(), a1.text.toString())
  // And live fan-out works again afterwards.
  b1.text.insert(b1.text.length, 'after.')
  await textIs(a1, b1.text.toString())
  for (const c of all) c.destroy()
})

test('a relay cut off from Redis reads the store before a new client\'s first sync, so that sync is complete', async () => {
  const [a, b] = [await relay(), await relay()]
  const name = freshDoc()
  const onA = await connectStockClient(a.port, name)
  const observer = await connectStockClient(a.port, name)
  const onB = await connectStockClient(b.port, name)
  onA.text.insert(0, 'before. ')
  await textIs(onB, 'before. ')

  const fanout = b.fanout as RedisFanout
  const deaf = until(fanout, 'listening', () => !fanout.listening)
  await redis.stop()
  await deaf
  // Committed on A, but nobody could tell B.
  onA.text.insert(onA.text.length, 'while B was cut off.')
  await textIs(observer, 'before. while B was cut off.')
  const late = await connectStockClient(b.port, name)
  assert.equal(late.text.toString(), 'before. while B was cut off.')
  await redis.start()
  for (const c of [onA, observer, onB, late]) c.destroy()
})

test('compaction on either relay keeps every edit made on the other', async () => {
  const options = { redisUrl: redis.url, relayHeartbeatMs: HEARTBEAT_MS, compactAfterUpdates: 5 }
  const [a, b] = [await startTestRelay(dir, options), await startTestRelay(dir, options)]
  relays.push(a, b)
  const name = freshDoc()
  const onA = await connectStockClient(a.port, name)
  const onB = await connectStockClient(b.port, name)
  for (let i = 0; i < 30; i++) {
    onA.text.insert(onA.text.length, `a${i} `)
    onB.text.insert(0, `b${i} `)
  }
  const length = 2 * (10 * 3 + 20 * 4)
  await Promise.all([onA, onB].map((c) => until(c.doc, 'update', () => c.text.length === length)))
  const expected = onA.text.toString()
  assert.equal(onB.text.toString(), expected)
  for (const c of [onA, onB]) c.destroy()
  // Both relays compacted at least once; what PostgreSQL holds is still everything.
  await assertCompactedAndWhole([a, b], name, 60, expected)
})

test('a compaction takes in the rows its relay missed and sends them to its clients', { timeout: 20_000 }, async () => {
  // A hears nothing from B (A has no Redis): B's edit reaches A only through
  // the rows A's compaction reads. Merged into the compacted row without A
  // applying it, it would be stored but never shown to A's clients.
  const deaf = await startTestRelay(dir, { compactAfterUpdates: 3 })
  relays.push(deaf)
  const b = await relay()
  const name = freshDoc()
  const onA = await connectStockClient(deaf.port, name)
  const onB = await connectStockClient(b.port, name)
  const observer = await connectStockClient(b.port, name)
  onB.text.insert(0, 'from B. ')
  // B relays only what it committed.
  await textIs(observer, 'from B. ')
  for (let i = 0; i < 5; i++) onA.text.insert(onA.text.length, `a${i} `)
  // Both wrote at the start of an empty document, so the order of the two parts is Yjs' choice.
  await until(onA.doc, 'update', () => onA.text.length === 8 + 15)
  const expected = onA.text.toString()
  assert.match(expected, /from B\. /)
  for (const c of [onA, onB, observer]) c.destroy()
  await assertCompactedAndWhole([deaf], name, 6, expected)
})

test('PostgreSQL stopped and started: nothing is relayed while it is down, and no acknowledged edit is lost', async () => {
  const [a, b] = [await relay(), await relay()]
  const name = freshDoc()
  const writer = await connectStockClient(a.port, name)
  const sameRelay = await connectStockClient(a.port, name)
  const otherRelay = await connectStockClient(b.port, name)
  writer.text.insert(0, 'acknowledged. ')
  await Promise.all([textIs(sameRelay, 'acknowledged. '), textIs(otherRelay, 'acknowledged. ')])

  await postgres.stop()
  // Reads the relays hold are still served.
  const reader = await connectStockClient(b.port, name)
  assert.equal(reader.text.toString(), 'acknowledged. ')
  writer.text.insert(writer.text.length, 'written during the outage.')
  await until(a.rooms.loaded(name)!.doc, 'update', () => a.rooms.loaded(name)!.doc.getText('t').length > 14)
  await drained(sameRelay)
  assert.equal(sameRelay.text.toString(), 'acknowledged. ', 'an edit was relayed before it was stored')
  await postgres.start()

  const expected = writer.text.toString()
  await Promise.all([textIs(sameRelay, expected), textIs(otherRelay, expected), textIs(reader, expected)])
  const cold = await relay()
  const fresh = await connectStockClient(cold.port, name)
  assert.equal(fresh.text.toString(), expected)
  for (const c of [writer, sameRelay, otherRelay, reader, fresh]) c.destroy()
})

test('deleting a document on one relay closes its clients on every relay and removes every row', { timeout: 20_000 }, async () => {
  const [a, b] = [await relay(), await relay()]
  const name = freshDoc()
  const onA = await connectStockClient(a.port, name)
  const onB = await connectStockClient(b.port, name)
  onB.text.insert(0, 'written on B')
  await textIs(onA, 'written on B')
  const closedOnB = new Promise<{ code: number }>((resolve) => onB.provider.once('closed', resolve))
  const closedOnA = new Promise<{ code: number }>((resolve) => onA.provider.once('closed', resolve))

  const res = await fetch(`http://127.0.0.1:${a.port}/api/docs/${name}`, { method: 'DELETE' })
  assert.equal(res.status, 200)
  assert.equal((await closedOnA).code, 4404)
  assert.equal((await closedOnB).code, 4404)
  // B dropped its copy: nothing in its memory can write the document back.
  await until(b.rooms, 'unload', () => !b.rooms.has(name))
  assert.deepEqual(await b.store.load(name), [])
  assert.ok(!(await b.store.list()).some((d) => d.name === name))
  // A new client on B starts an empty document.
  const fresh = await connectStockClient(b.port, name)
  assert.equal(fresh.text.toString(), '')
  for (const c of [onA, onB, fresh]) c.destroy()
})
