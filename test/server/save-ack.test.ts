/**
 * The save acknowledgement: sent only to clients that ask, only after the
 * store committed what it acknowledges.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import type WebSocket from 'ws'
import { connectStockClient, openRawSocket, until } from '../helpers/clients.js'
import { openTestStore, removeDir, startTestRelay, tempDir, wrapStore } from '../helpers/relay.js'
import { decodeMessage, encodeQueryAwareness, encodeSaveAckRequest, encodeSyncUpdate, type Message } from '../../shared/protocol.js'

/** Collects every decoded frame a raw socket receives. */
function record(ws: WebSocket): Message[] {
  const frames: Message[] = []
  ws.on('message', (data: Buffer) => frames.push(decodeMessage(new Uint8Array(data))))
  return frames
}

/** Resolves once `ws` has received a frame matching `check`. */
function received(ws: WebSocket, frames: Message[], check: (m: Message) => boolean): Promise<void> {
  return until(ws, 'message', () => frames.some(check))
}

function someUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

test('a client that asks is told how many of its updates are committed', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  const ws = await openRawSocket(relay.port, '/ws/acked')
  const frames = record(ws)
  ws.send(encodeSaveAckRequest())
  for (const text of ['one', 'two', 'three']) ws.send(encodeSyncUpdate(someUpdate(text)))
  await received(ws, frames, (m) => m.kind === 'save-ack' && m.committed === 3)
  assert.equal((await relay.store.load('acked')).length, 3)
  ws.close()
  await relay.close()
  removeDir(dir)
})

test('no acknowledgement while the commit is pending, and none if it never happens', async () => {
  const dir = tempDir()
  let failCommit!: (err: Error) => void
  const commitFails = new Promise<never>((_, reject) => (failCommit = reject))
  commitFails.catch(() => undefined)
  // The real store, except that its commits fail when the test says so.
  const failing = wrapStore(await openTestStore(dir), { append: () => commitFails })
  const relay = await startTestRelay(dir, {}, failing)
  const ws = await openRawSocket(relay.port, '/ws/pending')
  const frames = record(ws)
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  ws.send(encodeSaveAckRequest())
  ws.send(encodeSyncUpdate(someUpdate('never stored')))
  // The relay answers a later frame, so it has handled the update already.
  ws.send(encodeQueryAwareness())
  await received(ws, frames, (m) => m.kind === 'awareness')
  assert.equal(frames.filter((m) => m.kind === 'save-ack').length, 0)
  failCommit(new Error('disk full'))
  assert.equal(await closed, 1011)
  assert.equal(frames.filter((m) => m.kind === 'save-ack').length, 0, 'a failed commit was acknowledged')
  await relay.close()
  removeDir(dir)
})

test('the stock y-websocket client never receives an acknowledgement frame', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  const stock = await connectStockClient(relay.port, 'stock')
  const seenTypes: number[] = []
  stock.provider.ws!.addEventListener('message', (event: { data: ArrayBuffer }) => seenTypes.push(new Uint8Array(event.data)[0]!))
  const other = await connectStockClient(relay.port, 'stock')
  stock.text.insert(0, 'mine')
  other.text.insert(0, 'theirs')
  await until(stock.doc, 'update', () => stock.text.length === 10)
  await until(other.doc, 'update', () => other.text.length === 10)
  assert.ok(seenTypes.length > 0)
  assert.ok(seenTypes.every((t) => t < 100), `stock client received types ${seenTypes}`)
  stock.destroy()
  other.destroy()
  await relay.close()
  removeDir(dir)
})
