/**
 * Crash safety: the relay is killed with SIGKILL twenty times while a writer
 * keeps editing. Every update a peer received before a kill is there after
 * the restart: the relay never relays what it has not committed.
 *
 * CRASH_CYCLES and CRASH_SEED replay or enlarge a run (`npm run stress`).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connectStockClient, type StockClient } from '../helpers/clients.js'
import { removeDir, startChildRelay, tempDir } from '../helpers/relay.js'
import { seeded, seedFrom } from '../helpers/random.js'

const CYCLES = Number(process.env.CRASH_CYCLES ?? 20)
const SEED = seedFrom('CRASH_SEED', 4242)

const tokensIn = (text: string) => new Set(text.split(';').filter(Boolean))

test(`${CYCLES} SIGKILLs under continuous writes lose nothing a peer received (seed ${SEED})`, async () => {
  const rng = seeded(SEED)
  const dir = tempDir()
  const received = new Set<string>()
  const open: StockClient[] = []
  let relay = await startChildRelay(dir)
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const writer = await connectStockClient(relay.port, 'crash')
      open.push(writer)
      // After each restart: everything any peer received so far is stored.
      const stored = tokensIn(writer.text.toString())
      for (const token of received) assert.ok(stored.has(token), `cycle ${cycle}: lost ${token} (seed ${SEED})`)

      const reader = await connectStockClient(relay.port, 'crash')
      open.push(reader)
      const killAfter = rng.int(1, 60)
      const killed = new Promise<void>((resolve) => {
        let seen = 0
        reader.text.observe(() => {
          if (++seen < killAfter) return
          // The instant the reader holds this update, the relay dies.
          relay.process.kill('SIGKILL')
          for (const token of tokensIn(reader.text.toString())) received.add(token)
          for (const client of [writer, reader]) client.provider.shouldConnect = false
          resolve()
        })
      })
      let n = 0
      const writing = setInterval(() => writer.text.insert(writer.text.length, `${cycle}.${n++};`), 1)
      await killed
      clearInterval(writing)
      assert.equal((await relay.exited).signal, 'SIGKILL')
      for (const client of open.splice(0)) client.destroy()
      relay = await startChildRelay(dir)
    }
    const check = await connectStockClient(relay.port, 'crash')
    const stored = tokensIn(check.text.toString())
    check.destroy()
    for (const token of received) assert.ok(stored.has(token), `lost ${token} (seed ${SEED})`)
    assert.ok(received.size >= CYCLES, 'the readers received too little to prove anything')
  } finally {
    for (const client of open) client.destroy()
    relay.process.kill('SIGKILL')
    await relay.exited
    removeDir(dir)
  }
})
