/**
 * MAX_UNSAVED_BYTES: while PostgreSQL is unreachable, accepted edits wait in
 * the relay's memory. Past the cap new edits are refused with 4503, memory
 * stays bounded, and once PostgreSQL returns the refused clients reconnect,
 * resend and converge, with nothing acknowledged lost. Real PostgreSQL,
 * stopped and started; stock y-websocket clients.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { connectStockClient, drained, until, type StockClient } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir, useDatabase } from '../helpers/relay.js'
import { startPostgres, type Service } from '../helpers/services.js'
import { CloseCode } from '../../shared/protocol.js'
import type { Relay } from '../../server/relay.js'

const CAP = 4096
const CHUNK = 'x'.repeat(1000)
let postgres: Service
let dir: string
let postgresDown = false
const relays: Relay[] = []

before(async () => {
  postgres = await startPostgres()
  useDatabase(postgres.url)
  dir = tempDir()
})
after(async () => {
  // A relay closes only once its pending edits are committed.
  if (postgresDown) await postgres.start()
  for (const relay of relays) await relay.close()
  await postgres.destroy()
  removeDir(dir)
})

async function relay(): Promise<Relay> {
  const started = await startTestRelay(dir, { maxUnsavedBytes: CAP })
  relays.push(started)
  return started
}

const textIs = (client: StockClient, expected: string) => until(client.doc, 'update', () => client.text.toString() === expected, 20_000)

/** Close codes the client's provider has seen, in order. */
function closeCodes(client: StockClient): number[] {
  const codes: number[] = []
  client.provider.on('connection-close', (event: CloseEvent | null) => {
    if (event) codes.push(event.code)
  })
  return codes
}

test('past MAX_UNSAVED_BYTES of edits waiting for PostgreSQL, new edits are refused with 4503, and nothing acknowledged is lost', async () => {
  const a = await relay()
  const name = 'outage-cap'
  const writer = await connectStockClient(a.port, name)
  const reader = await connectStockClient(a.port, name)
  writer.text.insert(0, 'saved. ')
  await textIs(reader, 'saved. ')
  const codes = closeCodes(writer)

  await postgres.stop()
  postgresDown = true
  // Each chunk is one update of about 1 KB: a few fit under the cap, then the relay refuses.
  for (let i = 0; i < 10; i++) writer.text.insert(writer.text.length, CHUNK)
  await until(writer.provider, 'connection-close', () => codes.includes(CloseCode.STORE_BACKLOG))
  const held = a.unsaved.bytes
  assert.ok(held > 0 && held <= CAP, `unsaved bytes ${held} should be within the cap ${CAP}`)
  // Operators see it too.
  const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text()
  assert.match(metrics, new RegExp(`^tandem_unsaved_bytes ${held}$`, 'm'))

  // The client keeps its edits and keeps reconnecting; each attempt resends
  // everything unsaved and is refused again, so memory stays where it was.
  writer.text.insert(writer.text.length, ' typed while refused.')
  const refusals = codes.filter((c) => c === CloseCode.STORE_BACKLOG).length
  await until(writer.provider, 'connection-close', () => codes.filter((c) => c === CloseCode.STORE_BACKLOG).length >= refusals + 2)
  assert.equal(a.unsaved.bytes, held, 'refused resends must not be held')
  // Reads go on: the reader is still connected, and saw nothing unsaved.
  await drained(reader)
  assert.equal(reader.text.toString(), 'saved. ')

  await postgres.start()
  postgresDown = false
  const expected = writer.text.toString()
  // The held edits commit, the writer's next attempt is taken, the reader gets it all.
  await textIs(reader, expected)
  // Released before relaying, and commits settle in order.
  assert.equal(a.unsaved.bytes, 0)

  // Everything is in PostgreSQL: a relay that never saw the document loads it whole.
  const cold = await relay()
  const fresh = await connectStockClient(cold.port, name)
  assert.equal(fresh.text.toString(), expected)
  for (const c of [writer, reader, fresh]) c.destroy()
})
