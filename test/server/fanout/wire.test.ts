/**
 * The relay-to-relay messages, byte for byte.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { awarenessClients, decodeRelayMessage, encodeRelayMessage, type RelayMessage } from '../../../server/fanout/wire.js'

test('each relay message has a fixed layout: type, relay id, payload', () => {
  assert.deepEqual([...encodeRelayMessage({ kind: 'update', relay: 'r1', update: new Uint8Array([7, 8]) })], [0, 2, 0x72, 0x31, 2, 7, 8])
  assert.deepEqual([...encodeRelayMessage({ kind: 'awareness', relay: 'r1', update: new Uint8Array([9]) })], [1, 2, 0x72, 0x31, 1, 9])
  assert.deepEqual([...encodeRelayMessage({ kind: 'query-awareness', relay: 'r1' })], [2, 2, 0x72, 0x31])
  assert.deepEqual([...encodeRelayMessage({ kind: 'resync', relay: 'r1' })], [3, 2, 0x72, 0x31])
  assert.deepEqual([...encodeRelayMessage({ kind: 'deleted', relay: 'r1' })], [4, 2, 0x72, 0x31])
})

test('every relay message decodes to what was encoded', () => {
  const messages: RelayMessage[] = [
    { kind: 'update', relay: 'a-relay', update: new Uint8Array([1, 2, 3]) },
    { kind: 'awareness', relay: 'a-relay', update: new Uint8Array([4]) },
    { kind: 'query-awareness', relay: 'b' },
    { kind: 'resync', relay: 'c' },
    { kind: 'deleted', relay: 'd' },
  ]
  for (const message of messages) assert.deepEqual(decodeRelayMessage(encodeRelayMessage(message)), message)
})

test('malformed relay messages are refused', () => {
  assert.throws(() => decodeRelayMessage(new Uint8Array([9, 0])), /unknown relay message type 9/)
  assert.throws(() => decodeRelayMessage(new Uint8Array([0, 2, 0x72])))
  assert.throws(() => decodeRelayMessage(new Uint8Array([2, 1, 0x72, 0])), /trailing/)
})

test('an awareness update tells which clients are present and which are leaving', () => {
  const doc = new Y.Doc()
  const awareness = new awarenessProtocol.Awareness(doc)
  awareness.setLocalState({ user: 'Ada' })
  const present = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])
  assert.deepEqual(awarenessClients(present), [{ clientId: doc.clientID, present: true }])
  awareness.setLocalState(null)
  const leaving = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])
  assert.deepEqual(awarenessClients(leaving), [{ clientId: doc.clientID, present: false }])
  awareness.destroy()
})
