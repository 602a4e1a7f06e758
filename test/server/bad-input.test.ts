/**
 * Bad input closes only the offending connection, with a documented close
 * code; the document and every other client carry on.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as encoding from 'lib0/encoding'
import { closed, connectStockClient, openRawSocket, until, type StockClient } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import { CloseCode, encodeSyncUpdate, MessageType, SyncType } from '../../shared/protocol.js'
import type { Relay } from '../../server/relay.js'

let dir: string
let relay: Relay
before(async () => {
  dir = tempDir()
  relay = await startTestRelay(dir, { maxMessageBytes: 64 * 1024 })
})
after(async () => {
  await relay.close()
  removeDir(dir)
})

/** Two well-behaved clients on `name`, with some shared text. */
async function bystanders(name: string): Promise<[StockClient, StockClient]> {
  const a = await connectStockClient(relay.port, name)
  const b = await connectStockClient(relay.port, name)
  a.text.insert(0, 'before')
  await until(b.doc, 'update', () => b.text.toString() === 'before')
  return [a, b]
}

/** The bystanders still edit together, and the stored text is intact. */
async function stillFine([a, b]: [StockClient, StockClient], name: string): Promise<void> {
  b.text.insert(b.text.length, ' after')
  await until(a.doc, 'update', () => a.text.toString() === 'before after')
  const c = await connectStockClient(relay.port, name)
  assert.equal(c.text.toString(), 'before after')
  for (const client of [a, b, c]) client.destroy()
}

const offenders: Array<[string, Uint8Array | string, number]> = [
  ['a truncated varint', new Uint8Array([0x80]), CloseCode.INVALID_MESSAGE],
  ['an unknown sync sub-type', new Uint8Array([MessageType.SYNC, 7, 0]), CloseCode.INVALID_MESSAGE],
  ['a length past the end of the frame', new Uint8Array([MessageType.SYNC, SyncType.UPDATE, 0xff, 0xff, 0x03, 1, 2]), CloseCode.INVALID_MESSAGE],
  ['an update Yjs cannot read', encodeSyncUpdate(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])), CloseCode.INVALID_MESSAGE],
  ['a malformed awareness update', (() => {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, MessageType.AWARENESS)
    encoding.writeVarUint8Array(e, new Uint8Array([1, 5, 1, 3, 0x7b]))
    return encoding.toUint8Array(e)
  })(), CloseCode.INVALID_MESSAGE],
  ['a text frame', 'hello', CloseCode.UNSUPPORTED_DATA],
  ['a message over the size limit', encodeSyncUpdate(new Uint8Array(128 * 1024)), CloseCode.MESSAGE_TOO_BIG],
]

for (const [what, frame, code] of offenders) {
  test(`${what} closes only the sender's connection (${code})`, async () => {
    const name = `bad-${code}-${what.replace(/\W+/g, '-')}`
    const clients = await bystanders(name)
    const offender = await openRawSocket(relay.port, `/ws/${name}`)
    const closing = closed(offender)
    offender.send(frame)
    assert.equal((await closing).code, code)
    await stillFine(clients, name)
  })
}

test('a client that stops reading is disconnected instead of growing relay memory', async () => {
  const small = tempDir()
  const tight = await startTestRelay(small, { maxBufferedBytes: 256 * 1024 })
  const writer = await connectStockClient(tight.port, 'slow')
  const observer = await connectStockClient(tight.port, 'slow')
  const slow = await openRawSocket(tight.port, '/ws/slow')
  const closing = closed(slow)
  const room = tight.rooms.loaded('slow')!
  assert.equal(room.peerCount, 3)
  // Stop reading: first the kernel's socket buffers fill, then the relay's.
  const tcp = (slow as unknown as { _socket: import('node:net').Socket })._socket
  tcp.pause()
  const chunk = 'x'.repeat(32 * 1024)
  for (let written = 0; room.peerCount === 3; written += chunk.length) {
    assert.ok(written < 256 * 1024 * 1024, 'the slow client was never disconnected')
    writer.text.insert(writer.text.length, chunk)
    await until(observer.doc, 'update', () => observer.text.length === writer.text.length)
  }
  // The relay dropped it; once it reads again it finds the reason.
  tcp.resume()
  assert.equal((await closing).code, CloseCode.SLOW_CONSUMER)
  for (const client of [writer, observer]) client.destroy()
  await tight.close()
  removeDir(small)
})
