/**
 * Corking for one tick (server/transport/cork.ts): frames written to a socket
 * in the same tick leave in one write, nothing waits for a later turn, and a
 * socket corked again while the tick's sockets are being uncorked is uncorked
 * too.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Duplex } from 'node:stream'
import { corkForThisTick } from '../../../server/transport/cork.js'

/** A socket stand-in that records each write the stream makes (one entry per writev). */
function recordingSocket(onWrite?: (chunks: string[]) => void): { socket: Duplex; writes: string[][] } {
  const writes: string[][] = []
  const record = (chunks: string[]) => {
    writes.push(chunks)
    onWrite?.(chunks)
  }
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      record([chunk.toString()])
      callback()
    },
    writev(chunks, callback) {
      record(chunks.map(({ chunk }) => (chunk as Buffer).toString()))
      callback()
    },
  })
  return { socket, writes }
}

/** Sends a frame as the transport does: cork for this tick, then write. */
function send(socket: Duplex, frame: string): void {
  corkForThisTick(socket)
  socket.write(frame)
}

test('frames sent to a socket in one tick leave in one write, before the next turn', async () => {
  const a = recordingSocket()
  const b = recordingSocket()
  send(a.socket, 'a1')
  send(b.socket, 'b1')
  send(a.socket, 'a2')
  assert.deepEqual(a.writes, [], 'held until the tick ends')
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(a.writes, [['a1', 'a2']])
  assert.deepEqual(b.writes, [['b1']])
})

test('a socket corked again while the tick is uncorked is uncorked as well', async () => {
  const second = recordingSocket()
  // Writing to the first socket calls back into the relay, which sends to the second one.
  const first = recordingSocket(() => send(second.socket, 'reply'))
  send(first.socket, 'frame')
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(first.writes, [['frame']])
  assert.deepEqual(second.writes, [['reply']])
  // And the next tick starts afresh.
  send(second.socket, 'later')
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(second.writes, [['reply'], ['later']])
})
