/**
 * GET /metrics speaks Prometheus text and counts what operators need:
 * connections, documents, updates and bytes, commit latency, refusals.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { closed, connectStockClient, openRawSocket, until } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import { CloseCode } from '../../shared/protocol.js'

/** The value of one sample line, e.g. `tandem_connections` or `tandem_refusals_total{code="1007"}`. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  assert.ok(line, `no ${series} in /metrics`)
  return Number(line.slice(series.length + 1))
}

test('/metrics reports connections, documents, updates, bytes, commit latency and refusals', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  const a = await connectStockClient(relay.port, 'measured')
  const b = await connectStockClient(relay.port, 'measured')
  a.text.insert(0, 'counted')
  await until(b.doc, 'update', () => b.text.toString() === 'counted')
  const bad = await openRawSocket(relay.port, '/ws/measured')
  const closing = closed(bad)
  bad.send(new Uint8Array([0x80]))
  assert.equal((await closing).code, CloseCode.INVALID_MESSAGE)

  const response = await fetch(`http://127.0.0.1:${relay.port}/metrics`)
  assert.equal(response.status, 200)
  assert.match(response.headers.get('content-type') ?? '', /text\/plain/)
  const text = await response.text()
  assert.equal(sample(text, 'tandem_connections'), 2)
  assert.equal(sample(text, 'tandem_documents_in_memory'), 1)
  assert.ok(sample(text, 'tandem_updates_received_total') >= 1)
  assert.ok(sample(text, 'tandem_updates_relayed_total') >= 1)
  assert.ok(sample(text, 'tandem_bytes_received_total') > 7)
  assert.ok(sample(text, 'tandem_bytes_sent_total') > 7)
  assert.ok(sample(text, 'tandem_store_commit_seconds_count') >= 1)
  assert.equal(sample(text, `tandem_refusals_total{code="${CloseCode.INVALID_MESSAGE}"}`), 1)
  assert.ok(sample(text, 'tandem_process_resident_memory_bytes') > 0)
  a.destroy()
  b.destroy()
  await relay.close()
  removeDir(dir)
})

test('METRICS=off hides /metrics', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir, { metrics: 'off' })
  assert.equal((await fetch(`http://127.0.0.1:${relay.port}/metrics`)).status, 404)
  await relay.close()
  removeDir(dir)
})
