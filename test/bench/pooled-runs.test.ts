import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pooledSamples } from '../../bench/report.js'
import { mergeLiveRows, type LiveRow, type LiveSamples } from '../../bench/scenarios/live.js'

test('samples of several runs are pooled end to end, in run order', () => {
  assert.deepEqual([...pooledSamples([Float64Array.of(1, 2), Float64Array.of(), Float64Array.of(3)])], [1, 2, 3])
  const bytes = pooledSamples([Uint8Array.of(0, 1), Uint8Array.of(1)])
  assert.ok(bytes instanceof Uint8Array)
  assert.deepEqual([...bytes], [0, 1, 1])
})

test('runs of one server on fresh processes: percentiles over all deliveries, CPU (and its kernel part) and counts summed, the highest peak RSS', () => {
  const run = (latencies: number[], cpu: number, rss: number): LiveRow & LiveSamples => ({
    target: 'tandem', p50: 0, p99: 0, max: 0, cpu, kernelCpu: cpu / 2, rss, delivered: latencies.length, expected: latencies.length,
    generatorCpu: 1, connectSeconds: 1, failedClients: 0,
    host: { total: 100, stolen: 1 },
    sameServer: { p50: 0, p99: 0, max: 0, n: 0 }, crossServer: { p50: 0, p99: 0, max: 0, n: 0 },
    latencies: Float64Array.from(latencies), crossed: new Uint8Array(latencies.length),
  })
  // The first run on a busy moment, the second quiet: neither decides alone.
  const row = mergeLiveRows([run([50, 60], 2, 200), run([1, 2, 3, 4, 5, 6], 1, 180)])
  assert.equal(row.max, 60)
  assert.equal(row.p50, 5)
  assert.equal(row.cpu, 3)
  assert.equal(row.kernelCpu, 1.5)
  assert.equal(row.delivered, 8)
  assert.equal(row.rss, 200, 'the higher peak, though it was not the last run')
})
