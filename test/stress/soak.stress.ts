/**
 * Soak (npm run stress only): five clients edit with random disconnects for
 * SOAK_MINUTES (default 30) against a child relay, while a raw socket sends
 * garbage now and then. Memory must stay bounded and everyone must converge
 * with what is stored.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { connectStockClient, openRawSocket, type StockClient } from '../helpers/clients.js'
import { removeDir, startChildRelay, tempDir } from '../helpers/relay.js'
import { seeded, seedFrom } from '../helpers/random.js'
import { encodeSyncUpdate } from '../../shared/protocol.js'

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30)
const SEED = seedFrom('SOAK_SEED', 77)

async function residentBytes(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return Number(/^tandem_process_resident_memory_bytes (\d+)/m.exec(text)![1])
}

test(`a ${MINUTES}-minute soak keeps memory bounded and every client converged (seed ${SEED})`, async () => {
  const rng = seeded(SEED)
  const dir = tempDir()
  const relay = await startChildRelay(dir, ['--metrics', 'open', '--compact-after-updates', '200'])
  const clients: StockClient[] = []
  try {
    for (let i = 0; i < 5; i++) clients.push(await connectStockClient(relay.port, 'soak'))
    const baseline = await residentBytes(relay.port)
    let peak = baseline
    const end = Date.now() + MINUTES * 60_000
    let nextSample = Date.now() + 10_000
    while (Date.now() < end) {
      const client = rng.pick(clients)
      if (rng.chance(0.02)) {
        if (client.provider.shouldConnect) client.provider.disconnect()
        else client.provider.connect()
      } else if (client.text.length > 2000 && rng.chance(0.5)) {
        client.text.delete(rng.int(0, client.text.length - 100), 50)
      } else {
        client.text.insert(rng.int(0, client.text.length), `${rng.int(0, 1e6)};`)
      }
      if (rng.chance(0.001)) {
        const raw = await openRawSocket(relay.port, '/ws/soak')
        raw.send(encodeSyncUpdate(rng.bytes(rng.int(1, 200))))
        raw.on('close', () => raw.terminate())
      }
      // Pace the edits at a human-ish rate (a pacing timer, not a wait for an event).
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (Date.now() >= nextSample) {
        peak = Math.max(peak, await residentBytes(relay.port))
        nextSample = Date.now() + 10_000
      }
    }
    for (const client of clients) if (!client.provider.shouldConnect) client.provider.connect()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no convergence')), 60_000)
      const check = () => {
        const first = Y.snapshot(clients[0]!.doc)
        if (clients.every((c) => c.provider.synced && Y.equalSnapshots(Y.snapshot(c.doc), first))) {
          clearTimeout(timer)
          for (const c of clients) c.doc.off('update', check)
          resolve()
        }
      }
      for (const c of clients) c.doc.on('update', check)
      for (const c of clients) c.provider.on('sync', check)
      check()
    })
    assert.ok(peak < baseline + 256 * 2 ** 20, `RSS rose from ${baseline} to ${peak}`)
    const fresh = await connectStockClient(relay.port, 'soak')
    assert.equal(fresh.text.toString(), clients[0]!.text.toString())
    fresh.destroy()
  } finally {
    for (const client of clients) client.destroy()
    relay.process.kill('SIGTERM')
    await relay.exited
    removeDir(dir)
  }
})
