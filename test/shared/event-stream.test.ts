import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeCloseEvent, encodeFrameEvent, EventStreamReader, KEEPALIVE_COMMENT } from '../../shared/event-stream.js'

test('frame and close events have the exact text of the wire', () => {
  assert.equal(encodeFrameEvent(7, new Uint8Array([0, 0, 1, 0])), 'id: 7\ndata: AAABAA==\n\n')
  assert.equal(encodeCloseEvent(4008, 'slow'), 'event: close\ndata: {"code":4008,"reason":"slow"}\n\n')
})

test('events split anywhere are read whole, in order; comments are skipped', () => {
  const text =
    encodeFrameEvent(1, new Uint8Array([1, 2, 3])) + KEEPALIVE_COMMENT + encodeFrameEvent(2, new Uint8Array(300).fill(9)) + encodeCloseEvent(1001, 'bye')
  for (let cut = 0; cut <= text.length; cut += 7) {
    const reader = new EventStreamReader()
    const events = [...reader.push(text.slice(0, cut)), ...reader.push(text.slice(cut))]
    assert.deepEqual(events, [
      { kind: 'frame', seq: 1, frame: new Uint8Array([1, 2, 3]) },
      { kind: 'frame', seq: 2, frame: new Uint8Array(300).fill(9) },
      { kind: 'close', code: 1001, reason: 'bye' },
    ])
  }
})

test('events without a frame number or data are skipped; an unreadable close still closes', () => {
  const reader = new EventStreamReader()
  assert.deepEqual(reader.push('data: AAAA\n\nid: 0\ndata: AAAA\n\nid: 3\n\n'), [])
  assert.deepEqual(reader.push('event: close\ndata: nope\n\n'), [{ kind: 'close', code: 1006, reason: 'unreadable close event' }])
})
