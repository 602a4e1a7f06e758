/**
 * Limits: each breach closes only the offending connection with its
 * documented close code; other clients and the stored document are untouched.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { closed, connectStockClient, openRawSocket, until } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { CloseCode, encodeAwareness, encodeQueryAwareness, encodeSyncUpdate } from '../../shared/protocol.js'
import type { Config } from '../../server/config.js'
import type { Relay } from '../../server/relay.js'

/** Runs `body` against a fresh relay with `limits`, then cleans up. */
async function withRelay(limits: Partial<Config>, body: (relay: Relay) => Promise<void>): Promise<void> {
  const dir = tempDir()
  const relay = await startTestRelay(dir, limits)
  try {
    await body(relay)
  } finally {
    await relay.close()
    removeDir(dir)
  }
}

test('a connection that sends too many messages per second is closed (4029); others carry on', () =>
  withRelay({ maxMessagesPerSecond: 20 }, async (relay) => {
    const bystander = await connectStockClient(relay.port, 'flood')
    const flooder = await openRawSocket(relay.port, '/ws/flood')
    const closing = closed(flooder)
    // 20/s with 10 s of burst is 200 frames; 1000 at once is a flood.
    for (let i = 0; i < 1000; i++) flooder.send(encodeQueryAwareness())
    assert.equal((await closing).code, CloseCode.RATE_LIMITED)
    bystander.text.insert(0, 'still here')
    const late = await connectStockClient(relay.port, 'flood')
    assert.equal(late.text.toString(), 'still here')
    bystander.destroy()
    late.destroy()
  }))

test('a connection that sends too many bytes per second is closed (4029)', () =>
  withRelay({ maxBytesPerSecond: 1024, maxMessageBytes: 16 * 1024 }, async (relay) => {
    const flooder = await openRawSocket(relay.port, '/ws/bytes')
    const closing = closed(flooder)
    // The bucket holds max(10 s x 1 KiB, one largest message) = 16 KiB.
    for (let i = 0; i < 5; i++) flooder.send(encodeSyncUpdate(new Uint8Array(8 * 1024)))
    assert.equal((await closing).code, CloseCode.RATE_LIMITED)
  }))

test('connections past MAX_CONNECTIONS_PER_IP are closed (4030); a freed slot can be used again', () =>
  withRelay({ maxConnectionsPerIp: 2 }, async (relay) => {
    const a = await connectStockClient(relay.port, 'per-ip')
    // The second slot: a raw socket that announces presence, so its leaving is observable.
    const holder = await openRawSocket(relay.port, '/ws/per-ip')
    const presence = new Awareness(new Y.Doc())
    presence.setLocalState({ user: 'holder' })
    holder.send(encodeAwareness(encodeAwarenessUpdate(presence, [presence.clientID])))
    const room = relay.rooms.loaded('per-ip')!
    await until(room.awareness, 'update', () => room.awareness.getStates().has(presence.clientID))

    const third = await openRawSocket(relay.port, '/ws/per-ip')
    assert.equal((await closed(third)).code, CloseCode.TOO_MANY_CONNECTIONS)
    a.text.insert(0, 'ok')
    assert.equal(room.peerCount, 2)

    // Cut without goodbye: the relay removes its presence when it sees the close.
    holder.terminate()
    await until(room.awareness, 'update', () => !room.awareness.getStates().has(presence.clientID))
    const again = await connectStockClient(relay.port, 'per-ip')
    assert.equal(again.text.toString(), 'ok')
    a.destroy()
    again.destroy()
    presence.destroy()
  }))

test('a connection to one document more than MAX_DOCUMENTS is closed (4013) without loading it', () =>
  withRelay({ maxDocuments: 1 }, async (relay) => {
    const first = await connectStockClient(relay.port, 'first')
    const second = await openRawSocket(relay.port, '/ws/second')
    assert.equal((await closed(second)).code, CloseCode.TOO_MANY_DOCUMENTS)
    assert.equal(relay.rooms.has('second'), false)
    // A second client of a document already in memory is welcome.
    const again = await connectStockClient(relay.port, 'first')
    first.destroy()
    again.destroy()
  }))

test('an update that would grow a document past MAX_DOC_BYTES is not stored and closes its sender (4009)', () =>
  withRelay({ maxDocBytes: 4096 }, async (relay) => {
    const writer = await connectStockClient(relay.port, 'big')
    const reader = await connectStockClient(relay.port, 'big')
    writer.text.insert(0, 'small')
    await until(reader.doc, 'update', () => reader.text.toString() === 'small')
    const before = Buffer.concat(await relay.store.load('big')).toString('hex')

    const raw = await openRawSocket(relay.port, '/ws/big')
    const closing = closed(raw)
    const huge = new Y.Doc()
    huge.getText('t').insert(0, 'x'.repeat(8192))
    raw.send(encodeSyncUpdate(Y.encodeStateAsUpdate(huge)))
    assert.equal((await closing).code, CloseCode.DOC_TOO_LARGE)

    assert.equal(Buffer.concat(await relay.store.load('big')).toString('hex'), before)
    writer.text.insert(5, ' and fine')
    await until(reader.doc, 'update', () => reader.text.toString() === 'small and fine')
    writer.destroy()
    reader.destroy()
  }))
