/**
 * Convergence property: five stock y-websocket clients make random concurrent
 * edits with random disconnects and reconnects; once all are back online,
 * every client, the relay's document and the stored state are identical.
 *
 * CONVERGENCE_ROUNDS and CONVERGENCE_SEED replay or enlarge a run; `npm run
 * stress` runs many more rounds.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { connectStockClient, type StockClient } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import { seeded, seedFrom, type Random } from '../helpers/random.js'
import type { Relay } from '../../server/relay.js'

const ROUNDS = Number(process.env.CONVERGENCE_ROUNDS ?? 30)
const SEED = seedFrom('CONVERGENCE_SEED', 20260611)
const CLIENTS = 5
const OPS_PER_ROUND = 80

let dir: string
let relay: Relay
before(async () => {
  dir = tempDir()
  relay = await startTestRelay(dir)
})
after(async () => {
  await relay.close()
  removeDir(dir)
})

/** Resolves once `check()` holds, re-checking on every update of any of `docs`. */
function untilAny(docs: Y.Doc[], check: () => boolean, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer)
      for (const doc of docs) doc.off('update', listener)
    }
    const listener = () => {
      if (!check()) return
      stop()
      resolve()
    }
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`clients did not converge (seed ${SEED})`))
    }, timeoutMs)
    for (const doc of docs) doc.on('update', listener)
    listener()
  })
}

function randomEdit(rng: Random, text: Y.Text): void {
  if (text.length > 0 && rng.chance(0.3)) {
    const at = rng.int(0, text.length - 1)
    text.delete(at, rng.int(1, Math.min(5, text.length - at)))
  } else {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz αβγ😀\n'
    const piece = Array.from({ length: rng.int(1, 6) }, () => rng.pick([...alphabet])).join('')
    text.insert(rng.int(0, text.length), piece)
  }
}

test(`five clients with random edits, disconnects and reconnects converge with the store (${ROUNDS} rounds, seed ${SEED})`, async () => {
  const rng = seeded(SEED)
  for (let round = 0; round < ROUNDS; round++) {
    const name = `converge-${SEED}-${round}`
    const clients: StockClient[] = []
    try {
      for (let i = 0; i < CLIENTS; i++) clients.push(await connectStockClient(relay.port, name))
      for (let op = 0; op < OPS_PER_ROUND; op++) {
        const client = rng.pick(clients)
        if (rng.chance(0.12)) {
          // Offline edits must merge on reconnect like any others.
          if (client.provider.shouldConnect) client.provider.disconnect()
          else client.provider.connect()
        } else {
          randomEdit(rng, client.text)
        }
        // Let the network interleave with the edits (a turn of the event loop, not a timer).
        if (rng.chance(0.5)) await new Promise((resolve) => setImmediate(resolve))
      }
      for (const client of clients) if (!client.provider.shouldConnect) client.provider.connect()

      const room = () => relay.rooms.loaded(name)
      const converged = () => {
        const reference = room()
        if (!reference) return false
        // A snapshot is the state vector plus the delete set: equal snapshots, equal content.
        const snapshot = Y.snapshot(reference.doc)
        return clients.every((c) => Y.equalSnapshots(Y.snapshot(c.doc), snapshot))
      }
      await untilAny([...clients.map((c) => c.doc), ...(room() ? [room()!.doc] : [])], converged)

      const expected = room()!.doc.getText('t').toString()
      for (const client of clients) assert.equal(client.text.toString(), expected, `round ${round} (seed ${SEED})`)
      // And what the store holds is the same document.
      await room()!.settled()
      const stored = new Y.Doc()
      for (const update of await relay.store.load(name)) Y.applyUpdate(stored, update)
      assert.ok(Y.equalSnapshots(Y.snapshot(stored), Y.snapshot(room()!.doc)), `round ${round}: stored state differs`)
      assert.equal(stored.getText('t').toString(), expected)
    } finally {
      for (const client of clients) client.destroy()
    }
  }
})
