/**
 * The durability promises: load before reply, commit before relay, nothing
 * lost to a clean restart or to kill -9, compaction and unloading keep content.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { pino } from 'pino'
import { connectStockClient, drained, openRawSocket, until } from '../helpers/clients.js'
import { openTestStore, removeDir, wrapStore, startChildRelay, startTestRelay, tempDir } from '../helpers/relay.js'
import { decodeMessage, encodeSyncStep1 } from '../../shared/protocol.js'
import { Rooms } from '../../server/relay/rooms.js'
import type { Peer } from '../../server/relay/room.js'

test('content survives a clean restart of the relay', async () => {
  const dir = tempDir()
  let relay = await startTestRelay(dir)
  const a = await connectStockClient(relay.port, 'restart')
  a.text.insert(0, 'kept across restarts')
  const observer = await connectStockClient(relay.port, 'restart')
  await until(observer.doc, 'update', () => observer.text.length === 20)
  a.destroy()
  observer.destroy()
  await relay.close()

  relay = await startTestRelay(dir)
  const b = await connectStockClient(relay.port, 'restart')
  assert.equal(b.text.toString(), 'kept across restarts')
  b.destroy()
  await relay.close()
  removeDir(dir)
})

test('nothing a peer has seen is lost when the relay is killed with SIGKILL', async () => {
  const dir = tempDir()
  const first = await startChildRelay(dir)
  const writer = await connectStockClient(first.port, 'crash')
  const reader = await connectStockClient(first.port, 'crash')
  writer.provider.shouldConnect = false
  reader.provider.shouldConnect = false
  for (let i = 0; i < 50; i++) writer.text.insert(writer.text.length, `${i};`)
  const expected = writer.text.toString()
  await until(reader.doc, 'update', () => reader.text.toString() === expected)
  // The very moment the reader holds everything, kill the relay outright.
  first.process.kill('SIGKILL')
  assert.equal((await first.exited).signal, 'SIGKILL')
  writer.destroy()
  reader.destroy()

  const second = await startChildRelay(dir)
  const fresh = await connectStockClient(second.port, 'crash')
  assert.equal(fresh.text.toString(), expected)
  fresh.destroy()
  second.process.kill('SIGTERM')
  assert.equal((await second.exited).code, 0)
  removeDir(dir)
})

test('the first sync reply from a cold relay already holds the stored document', async () => {
  const dir = tempDir()
  let relay = await startTestRelay(dir)
  const a = await connectStockClient(relay.port, 'cold')
  a.text.insert(0, 'stored before the relay restarted')
  const observer = await connectStockClient(relay.port, 'cold')
  await until(observer.doc, 'update', () => observer.text.length > 0)
  a.destroy()
  observer.destroy()
  await relay.close()

  relay = await startTestRelay(dir)
  const ws = await openRawSocket(relay.port, '/ws/cold')
  const step2 = new Promise<Uint8Array>((resolve) =>
    ws.on('message', (data: Buffer) => {
      const message = decodeMessage(new Uint8Array(data))
      if (message.kind === 'sync-step2') resolve(message.update)
    }),
  )
  ws.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())))
  const doc = new Y.Doc()
  Y.applyUpdate(doc, await step2)
  assert.equal(doc.getText('t').toString(), 'stored before the relay restarted')
  ws.close()
  await relay.close()
  removeDir(dir)
})

test('a peer never sees an update before the store has committed it', async () => {
  const dir = tempDir()
  // The real store, with a gate in front of its commits.
  const real = await openTestStore(dir)
  let openGate!: () => void
  const gate = new Promise<void>((resolve) => (openGate = resolve))
  const gated = wrapStore(real, { append: (name, update) => gate.then(() => real.append(name, update)) })
  const relay = await startTestRelay(dir, {}, gated)
  const a = await connectStockClient(relay.port, 'ordering')
  const b = await connectStockClient(relay.port, 'ordering')
  const room = relay.rooms.loaded('ordering')!

  a.text.insert(0, 'not yet committed')
  await until(room.doc, 'update', () => room.doc.getText('t').length > 0)
  await drained(b)
  assert.equal(b.text.toString(), '', 'b received an update the store had not committed')
  assert.deepEqual(await real.load('ordering'), [])

  openGate()
  await until(b.doc, 'update', () => b.text.toString() === 'not yet committed')
  assert.equal((await real.load('ordering')).length, 1)
  a.destroy()
  b.destroy()
  await relay.close()
  removeDir(dir)
})

test('a stored update Yjs cannot read is skipped: the rest of the document is served and stays editable', async () => {
  const dir = tempDir()
  const store = await openTestStore(dir)
  const written = new Y.Doc()
  const updates: Uint8Array[] = []
  written.on('update', (u: Uint8Array) => updates.push(u))
  written.getText('t').insert(0, 'before ')
  written.getText('t').insert(7, 'after')
  // Two good rows with one between them that Yjs cannot read (a torn write, a bug elsewhere).
  await store.append('torn', updates[0]!)
  await store.append('torn', new Uint8Array([1, 5]))
  await store.append('torn', updates[1]!)
  const relay = await startTestRelay(dir, {}, store)
  const a = await connectStockClient(relay.port, 'torn')
  assert.equal(a.text.toString(), 'before after')
  a.text.insert(0, '> ')
  const b = await connectStockClient(relay.port, 'torn')
  await until(b.doc, 'update', () => b.text.toString() === '> before after')
  a.destroy()
  b.destroy()
  await relay.close()
  removeDir(dir)
})

test('compaction replaces the log with one row and keeps the content identical', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir, { compactAfterUpdates: 10 })
  const a = await connectStockClient(relay.port, 'compact')
  const b = await connectStockClient(relay.port, 'compact')
  for (let i = 0; i < 25; i++) {
    a.text.insert(a.text.length, `line ${i}\n`)
    if (i % 5 === 0) a.text.delete(0, 2)
  }
  const expected = a.text.toString()
  await until(b.doc, 'update', () => b.text.toString() === expected)
  // The compaction that the last update triggered may still be committing.
  await relay.rooms.loaded('compact')!.settled()
  const rows = await relay.store.load('compact')
  assert.ok(rows.length <= 11, `log should have been compacted, has ${rows.length} rows`)
  const stored = new Y.Doc()
  for (const row of rows) Y.applyUpdate(stored, row)
  assert.equal(stored.getText('t').toString(), expected)
  a.destroy()
  b.destroy()
  await relay.close()
  removeDir(dir)
})

test('a document leaves memory after its last client leaves and reloads intact', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir, { unloadGraceMs: 50 })
  const a = await connectStockClient(relay.port, 'unload')
  a.text.insert(0, 'survives unloading')
  const b = await connectStockClient(relay.port, 'unload')
  await until(b.doc, 'update', () => b.text.length === 18)
  assert.equal(relay.rooms.has('unload'), true)
  a.destroy()
  b.destroy()
  await until(relay.rooms, 'unload', () => !relay.rooms.has('unload'))
  const c = await connectStockClient(relay.port, 'unload')
  assert.equal(c.text.toString(), 'survives unloading')
  assert.equal(relay.rooms.has('unload'), true)
  c.destroy()
  await relay.close()
  removeDir(dir)
})

test('concurrent first connections load the document once', async () => {
  const dir = tempDir()
  let loads = 0
  const real = await openTestStore(dir)
  const store = wrapStore(real, {
    load: (name) => {
      loads++
      return real.load(name)
    },
  })
  const rooms = new Rooms({ store, log: pino({ level: 'silent' }), unloadGraceMs: 1000, compactAfterUpdates: 100, compactAfterBytes: 1e6, maxDocBytes: 1e9 })
  const peer = (): Peer => ({ send: () => undefined, close: () => undefined, awarenessIds: new Set(), updatesReceived: 0, wantsSaveAcks: false, canWrite: true })
  const joined = await Promise.all(Array.from({ length: 10 }, () => rooms.join('once', peer())))
  assert.equal(loads, 1)
  assert.equal(new Set(joined).size, 1)
  assert.equal(joined[0]!.peerCount, 10)
  await rooms.closeAll(1001)
  await store.close()
  removeDir(dir)
})
