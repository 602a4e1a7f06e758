/**
 * A cold document is answered from its stored bytes before Yjs rebuilds it
 * in memory (room.ts: `unapplied`, `wholeState`); that shortcut must never
 * change what anyone sees.
 */
import { test } from 'node:test'
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
