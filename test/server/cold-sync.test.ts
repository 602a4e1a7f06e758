/**
 * A cold document is answered from its stored bytes before Yjs rebuilds it
 * in memory (room.ts: `unapplied`, `wholeState`); that shortcut must never
 * change what anyone sees.
 */
import { test } from 'node:test'
import * as Y from 'yjs'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import WebSocket from 'ws'
import { connectStockClient, until } from '../helpers/clients.js'
import { decodeMessage, encodeSyncStep1, encodeSyncUpdate, type Message } from '../../shared/protocol.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import type { Relay } from '../../server/relay.js'

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

/** Stores `text` in document `name` under `dir` and returns its Yjs state; the relay is closed again. */
async function storeColdDocument(dir: string, name: string, text: string): Promise<Uint8Array> {
  const relay = await startTestRelay(dir)
  const writer = await connectStockClient(relay.port, name)
  writer.text.insert(0, text)
  const observer = await connectStockClient(relay.port, name)
  await until(observer.doc, 'update', () => observer.text.toString() === text)
  const state = Y.encodeStateAsUpdate(writer.doc)
  writer.destroy()
  observer.destroy()
  await relay.close()
  return state
}

/**
 * Runs `body` against a fresh relay whose document `name` holds `text` on
 * disk only (cold), with that document's Yjs state; then closes the relay
 * and removes its folder, also when `body` fails.
 */
async function withColdDocument(name: string, text: string, body: (relay: Relay, state: Uint8Array) => Promise<void>): Promise<void> {
  const dir = tempDir()
  try {
    const state = await storeColdDocument(dir, name, text)
    const relay = await startTestRelay(dir)
    try {
      await body(relay, state)
    } finally {
      await relay.close()
    }
  } finally {
    removeDir(dir)
  }
}

/** A raw socket to `name` that records every message from the first one on. */
async function recordingPeer(port: number, name: string): Promise<{ ws: WebSocket; messages: Message[]; received: EventEmitter }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/${name}`)
  const messages: Message[] = []
  const received = new EventEmitter()
  ws.on('message', (data: Buffer) => {
    messages.push(decodeMessage(new Uint8Array(data)))
    received.emit('message')
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { ws, messages, received }
}

test('a client syncing a cold document from nothing gets it whole, with no STEP1 of ours to answer first', async () => {
  await withColdDocument('fresh', 'stored text', async (relay) => {
    const peer = await recordingPeer(relay.port, 'fresh')
    peer.ws.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())))
    await until(peer.received, 'message', () => peer.messages.some((m) => m.kind === 'sync-step2'))
    // The relay speaks first (an empty awareness frame: clients take silence for a blocked socket),
    // but no STEP1: our state vector was not read from the stored bytes.
    assert.deepEqual(peer.messages.map((m) => m.kind), ['awareness', 'sync-step2'])
    const doc = new Y.Doc()
    Y.applyUpdate(doc, (peer.messages[1] as { update: Uint8Array }).update)
    assert.equal(doc.getText('t').toString(), 'stored text')
    assert.equal(relay.rooms.loaded('fresh')!.applied, false)
    peer.ws.close()
  })
})

test('a client holding offline edits gets our STEP1 from a cold document and its edits are kept', async () => {
  await withColdDocument('offline', 'stored', async (relay, state) => {
    // A returning client: it has the stored text and typed more while the relay was down.
    const held = new Y.Doc()
    Y.applyUpdate(held, state)
    held.getText('t').insert(6, ' and typed offline')
    const returning = await connectStockClient(relay.port, 'offline', held)
    const other = await connectStockClient(relay.port, 'offline')
    await until(other.doc, 'update', () => other.text.toString() === 'stored and typed offline')
    returning.destroy()
    other.destroy()
  })
})

test('a peer whose first sync frame is an update to a cold document gets our STEP1 before anything else', async () => {
  await withColdDocument('writer', 'stored', async (relay, state) => {
    const peer = await recordingPeer(relay.port, 'writer')
    const edit = new Y.Doc()
    Y.applyUpdate(edit, state)
    const before = Y.encodeStateVector(edit)
    edit.getText('t').insert(0, '> ')
    peer.ws.send(encodeSyncUpdate(Y.encodeStateAsUpdate(edit, before)))
    await until(peer.received, 'message', () => peer.messages.length > 1)
    assert.deepEqual(peer.messages.slice(0, 2).map((m) => m.kind), ['awareness', 'sync-step1'])
    const reader = await connectStockClient(relay.port, 'writer')
    await until(reader.doc, 'update', () => reader.text.toString() === '> stored')
    peer.ws.close()
    reader.destroy()
  })
})
