import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeFrameBatch, encodeFrameBatch, MalformedBatchError } from '../../shared/frame-batch.js'

test('a batch has the exact bytes of the wire: firstSeq, count, then each frame with its length', () => {
  const bytes = encodeFrameBatch(3, [new Uint8Array([0, 0, 1, 0]), new Uint8Array([3])])
  assert.deepEqual(bytes, new Uint8Array([3, 2, 4, 0, 0, 1, 0, 1, 3]))
  assert.deepEqual(encodeFrameBatch(200, []), new Uint8Array([200, 1, 0]))
})

test('decoding gives back the frames and their first sequence number', () => {
  const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7), new Uint8Array([3])]
  const batch = decodeFrameBatch(encodeFrameBatch(41, frames))
  assert.equal(batch.firstSeq, 41)
  assert.deepEqual(batch.frames, frames)
  assert.deepEqual(decodeFrameBatch(encodeFrameBatch(1, [])), { firstSeq: 1, frames: [] })
})

test('truncated, padded, zero-numbered, empty-frame and oversized batches are refused', () => {
  const good = encodeFrameBatch(1, [new Uint8Array([0, 2, 1, 7])])
  const bad: Array<[string, Uint8Array]> = [
    ['empty body', new Uint8Array()],
    ['truncated frame', good.subarray(0, good.length - 1)],
    ['trailing bytes', new Uint8Array([...good, 0])],
    ['sequence 0', encodeFrameBatch(0, [new Uint8Array([3])])],
    ['empty frame', new Uint8Array([1, 1, 0])],
    ['count larger than the frames', new Uint8Array([1, 5, 1, 3])],
    ['varint overflow', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
  ]
  for (const [name, bytes] of bad) assert.throws(() => decodeFrameBatch(bytes), MalformedBatchError, name)
  assert.throws(() => decodeFrameBatch(encodeFrameBatch(1, [new Uint8Array([3]), new Uint8Array([3])]), 1), MalformedBatchError)
})
