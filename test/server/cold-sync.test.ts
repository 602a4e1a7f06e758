/**
 * A cold document is answered from its stored bytes before Yjs rebuilds it
 * in memory (room.ts: `unapplied`, `wholeState`); that shortcut must never
 * change what anyone sees.
 */
import { test } from 'node:test'
import * as Y from 'yjs'
import assert from 'node:assert/strict'
import { connectStockClient, until } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'

test('a cold document answered from its stored bytes takes edits and keeps them', async () => {
  const dir = tempDir()
  let relay = await startTestRelay(dir, { compactAfterUpdates: 3 })
  const a = await connectStockClient(relay.port, 'cold')
  for (const word of ['one ', 'two ', 'three ', 'four ']) a.text.insert(a.text.length, word)
  const observer = await connectStockClient(relay.port, 'cold')
  await until(observer.doc, 'update', () => observer.text.toString() === 'one two three four ')
  a.destroy()
  observer.destroy()
  await relay.close()

  // Cold: the first client is answered from the stored rows, then edits.
  relay = await startTestRelay(dir)
  const b = await connectStockClient(relay.port, 'cold')
  assert.equal(b.text.toString(), 'one two three four ')
  b.text.insert(0, 'zero ')
  const c = await connectStockClient(relay.port, 'cold')
  await until(c.doc, 'update', () => c.text.toString() === 'zero one two three four ')
  c.text.insert(c.text.length, 'five')
  await until(b.doc, 'update', () => b.text.toString() === 'zero one two three four five')
  b.destroy()
  c.destroy()
  await relay.close()

  relay = await startTestRelay(dir)
  const d = await connectStockClient(relay.port, 'cold')
  assert.equal(d.text.toString(), 'zero one two three four five')
  d.destroy()
  await relay.close()
  removeDir(dir)
})

test('versions watch a cold document without applying its stored log; applying it later is no edit', async () => {
  const dir = tempDir()
  let relay = await startTestRelay(dir)
  const a = await connectStockClient(relay.port, 'watched')
  a.text.insert(0, 'hello')
  const copy = Y.encodeStateAsUpdate(a.doc)
  const observer = await connectStockClient(relay.port, 'watched')
  await until(observer.doc, 'update', () => observer.text.toString() === 'hello')
  a.destroy()
  observer.destroy()
  await relay.close()

  relay = await startTestRelay(dir)
  const versions = async () => (await relay.history!.list('watched', 100)).length
  const before = await versions()
  const b = await connectStockClient(relay.port, 'watched')
  assert.equal(b.text.toString(), 'hello')
  const room = relay.rooms.loaded('watched')!
  assert.equal(room.applied, false, 'the empty client was answered from the stored bytes')

  // A client that holds part of the document needs the log applied.
  const held = new Y.Doc()
  Y.applyUpdate(held, copy)
  const c = await connectStockClient(relay.port, 'watched', held)
  assert.equal(room.applied, true)
  await relay.history!.flush()
  assert.equal(await versions(), before, 'applying the stored log is not an edit to take a version of')

  b.text.insert(5, ' world')
  await until(c.doc, 'update', () => c.text.toString() === 'hello world')
  await relay.history!.flush()
  assert.equal(await versions(), before + 1, 'a real edit still is')
  b.destroy()
  c.destroy()
  await relay.close()
  removeDir(dir)
})
