/**
 * MAX_UNSAVED_BYTES with SQLite: a store has no outage there, but a batch
 * can fail. The bytes of a failed commit are released with it, so the cap
 * never fills up with edits that are no longer waiting, and the client's
 * resend after the 1011 close is taken. Real SQLite; only the first append
 * is made to fail.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connectStockClient, until } from '../helpers/clients.js'
import { openTestStore, removeDir, startTestRelay, tempDir, wrapStore } from '../helpers/relay.js'
import { CloseCode } from '../../shared/protocol.js'

test('a failed commit releases its unsaved bytes, and the resent edit is stored', async () => {
  const dir = tempDir()
  const store = await openTestStore(dir)
  let failNext = false
  const failing = wrapStore(store, {
    append: (name, update) => {
      if (!failNext) return store.append(name, update)
      failNext = false
      return Promise.reject(new Error('disk I/O error'))
    },
  })
  const relay = await startTestRelay(dir, { maxUnsavedBytes: 1024 }, failing)
  try {
    const writer = await connectStockClient(relay.port, 'fails-once')
    const codes: number[] = []
    writer.provider.on('connection-close', (event: CloseEvent | null) => event && codes.push(event.code))
    failNext = true
    // Larger than the cap: taken because nothing else waits, then its commit fails.
    writer.text.insert(0, 'y'.repeat(2000))
    await until(writer.provider, 'connection-close', () => codes.includes(CloseCode.STORE_FAILED))
    assert.equal(relay.unsaved.bytes, 0)

    // The provider reconnects and resends; nothing is held, so it is taken and stored.
    const reader = await connectStockClient(relay.port, 'fails-once')
    await until(reader.doc, 'update', () => reader.text.length === 2000)
    assert.ok(!codes.includes(CloseCode.STORE_BACKLOG), `refused: ${codes}`)
    assert.equal(relay.unsaved.bytes, 0)
    writer.destroy()
    reader.destroy()
  } finally {
    await relay.close()
    removeDir(dir)
  }
})
