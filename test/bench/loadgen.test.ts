/**
 * The benchmark's load generator is only worth its numbers if its protocol
 * client really converges with a relay: every update a writer sends reaches
 * every other client, and nothing it receives is unaccounted for.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import { LoadPool } from '../../bench/loadgen/pool.js'
import { parseIncoming, syncFrame, updateId, updateKey } from '../../bench/wire.js'
import { CLIENT_TRANSPORTS } from '../../bench/loadgen/transports.js'

test('updateId names an update by the client and clock of its first struct', () => {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, 'ab')
  let update: Uint8Array | null = null
  doc.on('update', (u: Uint8Array) => (update = u))
  doc.getText('t').insert(2, 'c')
  assert.equal(updateId(update!), updateKey(doc.clientID, 2))
  assert.equal(updateId(Y.encodeStateAsUpdate(new Y.Doc())), -1)
})

test('Hocuspocus framing round-trips a sync update', () => {
  const frame = syncFrame('hocuspocus', 'doc-1', 2, new Uint8Array([1, 2, 3]))
  assert.deepEqual(parseIncoming('hocuspocus', frame), { kind: 'update', update: new Uint8Array([1, 2, 3]) })
})

test('the load generator delivers every update to every other client of a Tandem relay', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  const pool = LoadPool.start(1)
  try {
    const docs = [{ name: 'smoke', clients: 4, writers: 2, phases: [0, 25] }]
    const { failed } = await pool.connect('tandem', relay.port, docs)
    assert.equal(failed, 0)
    const result = await pool.run({ cmd: 'rate', periodMs: 50, startAt: performance.timeOrigin + performance.now() + 50, durationMs: 500, drainMs: 5000 })
    assert.ok(result.sent >= 10, `sent ${result.sent}`)
    assert.equal(result.expected, result.sent * 3)
    assert.equal(result.delivered, result.expected)
    assert.equal(result.unexpected, 0)
    await pool.disconnect()
  } finally {
    await pool.stop()
    await relay.close()
    removeDir(dir)
  }
})

test('over each transport of scenario 8 every update is delivered and the TCP bytes, headers included, are counted', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  const pool = LoadPool.start(1)
  try {
    for (const transport of CLIENT_TRANSPORTS) {
      await pool.useTransport(transport)
      const docs = [{ name: `smoke-${transport}`, clients: 3, writers: 1, phases: [0] }]
      const { failed } = await pool.connect('tandem', relay.port, docs)
      assert.equal(failed, 0, transport)
      const before = await pool.wireBytes()
      const result = await pool.run({ cmd: 'rate', periodMs: 100, startAt: performance.timeOrigin + performance.now() + 50, durationMs: 500, drainMs: 5000 })
      const after = await pool.wireBytes()
      assert.ok(result.sent >= 4, `${transport}: sent ${result.sent}`)
      assert.equal(result.delivered, result.expected, transport)
      assert.equal(result.unexpected, 0, transport)
      // A one-character Yjs update frame is 19-20 bytes, 18 when the writer's random client id
      // is small enough to take four bytes (15 leaves room for rarer ones); every HTTP upload
      // carries a request line and headers.
      assert.ok(after.read - before.read >= result.delivered * 15, `${transport}: read ${after.read - before.read} B`)
      if (transport !== 'websocket') assert.ok(after.written - before.written >= result.sent * 100, `${transport}: wrote ${after.written - before.written} B`)
      await pool.disconnect()
    }
  } finally {
    await pool.useTransport(null)
    await pool.stop()
    await relay.close()
    removeDir(dir)
  }
})
