import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import {
  decodeMessage,
  encodeAwareness,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  MalformedMessageError,
  encodeSaveAck,
  encodeSaveAckRequest,
  encodeVersionsChanged,
  isUpdateFrame,
} from '../../shared/protocol.js'

test('frames have the exact bytes of the y-websocket protocol', () => {
  assert.deepEqual(encodeSyncStep1(new Uint8Array([0])), new Uint8Array([0, 0, 1, 0]))
  assert.deepEqual(encodeSyncStep2(new Uint8Array([9, 8])), new Uint8Array([0, 1, 2, 9, 8]))
  assert.deepEqual(encodeSyncUpdate(new Uint8Array([7])), new Uint8Array([0, 2, 1, 7]))
  assert.deepEqual(encodeAwareness(new Uint8Array([1, 2, 3])), new Uint8Array([1, 3, 1, 2, 3]))
  assert.deepEqual(encodeQueryAwareness(), new Uint8Array([3]))
})

test('frames match what y-protocols itself writes', () => {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, 'hi')
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 0)
  syncProtocol.writeSyncStep1(e, doc)
  assert.deepEqual(encodeSyncStep1(Y.encodeStateVector(doc)), encoding.toUint8Array(e))
})

test('decoding inverts encoding for every frame', () => {
  const payload = new Uint8Array([1, 2, 3])
  assert.deepEqual(decodeMessage(encodeSyncStep1(payload)), { kind: 'sync-step1', stateVector: payload })
  assert.deepEqual(decodeMessage(encodeSyncStep2(payload)), { kind: 'sync-step2', update: payload })
  assert.deepEqual(decodeMessage(encodeSyncUpdate(payload)), { kind: 'sync-update', update: payload })
  assert.deepEqual(decodeMessage(encodeAwareness(payload)), { kind: 'awareness', update: payload })
  assert.deepEqual(decodeMessage(encodeQueryAwareness()), { kind: 'query-awareness' })
})

test('frames from y-protocols decode', () => {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, 'hi')
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 0)
  syncProtocol.writeSyncStep2(e, doc, new Uint8Array([0]))
  const message = decodeMessage(encoding.toUint8Array(e))
  assert.equal(message.kind, 'sync-step2')
  const copy = new Y.Doc()
  Y.applyUpdate(copy, (message as { update: Uint8Array }).update)
  assert.equal(copy.getText('t').toString(), 'hi')
})

test('unknown message types are tolerated, malformed frames are not', () => {
  assert.deepEqual(decodeMessage(new Uint8Array([42, 1, 2])), { kind: 'unknown', type: 42 })
  for (const bad of [[], [0x80], [0, 9, 0], [0, 2, 5, 1], [0, 2, 1, 7, 99], [1], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]]) {
    assert.throws(() => decodeMessage(new Uint8Array(bad)), MalformedMessageError, JSON.stringify(bad))
  }
})

test('a decoded payload is a view of the frame, not a copy of it', () => {
  const frame = encodeSyncUpdate(new Uint8Array(1000))
  const message = decodeMessage(frame) as { update: Uint8Array }
  assert.equal(message.update.buffer, frame.buffer)
  // lib0's decoder agrees on where the payload starts.
  const d = decoding.createDecoder(frame)
  decoding.readVarUint(d)
  decoding.readVarUint(d)
  assert.equal(decoding.readVarUint8Array(d).byteOffset, message.update.byteOffset)
})

test('the save acknowledgement extension has fixed bytes and decodes', () => {
  assert.deepEqual(encodeSaveAckRequest(), new Uint8Array([100]))
  assert.deepEqual(encodeSaveAck(300), new Uint8Array([101, 0xac, 0x02]))
  assert.deepEqual(decodeMessage(encodeSaveAckRequest()), { kind: 'save-ack-request' })
  assert.deepEqual(decodeMessage(encodeSaveAck(300)), { kind: 'save-ack', committed: 300 })
  assert.throws(() => decodeMessage(new Uint8Array([101])), MalformedMessageError)
})

test('the versions-changed extension has fixed bytes and decodes', () => {
  assert.deepEqual(encodeVersionsChanged(5), new Uint8Array([102, 5]))
  assert.deepEqual(encodeVersionsChanged(300), new Uint8Array([102, 0xac, 0x02]))
  assert.deepEqual(decodeMessage(encodeVersionsChanged(300)), { kind: 'versions-changed', versionId: 300 })
  assert.throws(() => decodeMessage(new Uint8Array([102])), MalformedMessageError)
  assert.throws(() => decodeMessage(new Uint8Array([102, 1, 0])), MalformedMessageError)
})

test('update frames are recognised from their first two bytes', () => {
  assert.equal(isUpdateFrame(encodeSyncUpdate(new Uint8Array([1]))), true)
  assert.equal(isUpdateFrame(encodeSyncStep2(new Uint8Array([1]))), true)
  assert.equal(isUpdateFrame(encodeSyncStep1(new Uint8Array([1]))), false)
  assert.equal(isUpdateFrame(encodeAwareness(new Uint8Array([0]))), false)
  assert.equal(isUpdateFrame(encodeSaveAckRequest()), false)
})
