/**
 * Fuzzing a live relay (a child process, as deployed) with random and mutated
 * frames while well-behaved clients edit the same document. Afterwards the
 * relay is healthy, the clients converge, the stored text is intact after a
 * restart, and memory is back within bounds.
 *
 * FUZZ_FRAMES (default 100,000) and FUZZ_SEED replay or enlarge a run; `npm run
 * stress` runs a million frames.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type WebSocket from 'ws'
import { connectStockClient, openRawSocket, until, type StockClient } from '../helpers/clients.js'
import { removeDir, startChildRelay, tempDir } from '../helpers/relay.js'
import { seeded, seedFrom, type Random } from '../helpers/random.js'
import { CloseCode, MessageType, SyncType, encodeAwareness, encodeQueryAwareness, encodeSyncStep1, encodeSyncUpdate } from '../../shared/protocol.js'

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000)
const SEED = seedFrom('FUZZ_SEED', 0x7a4de3)
const LANES = 4
const DOC = 'fuzz'

function bytesOf(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

/** Frames every y-websocket peer must tolerate without being disconnected. */
function benignFrame(rng: Random, presence: Awareness): Uint8Array {
  switch (rng.int(0, 3)) {
    case 0: // a message type from a future protocol version, any payload
      return bytesOf((e) => {
        encoding.writeVarUint(e, rng.int(4, 200))
        encoding.writeUint8Array(e, rng.bytes(rng.int(0, 64)))
      })
    case 1:
      return encodeQueryAwareness()
    case 2: // the reserved AUTH type, which the relay ignores
      return bytesOf((e) => {
        encoding.writeVarUint(e, MessageType.AUTH)
        encoding.writeUint8Array(e, rng.bytes(rng.int(0, 32)))
      })
    default:
      presence.setLocalState({ cursor: rng.int(0, 1e6), junk: Buffer.from(rng.bytes(8)).toString('hex') })
      return encodeAwareness(encodeAwarenessUpdate(presence, [presence.clientID]))
  }
}

/** A valid update that writes to a type no well-behaved client reads. */
function validUpdate(rng: Random): Uint8Array {
  const doc = new Y.Doc()
  doc.getMap(`fuzz${rng.int(0, 9)}`).set(`k${rng.int(0, 99)}`, rng.int(0, 1e9))
  return Y.encodeStateAsUpdate(doc)
}

/** Flips, inserts, deletes or truncates bytes of `frame`. */
function mutate(rng: Random, frame: Uint8Array): Uint8Array {
  const bytes = [...frame]
  for (let i = rng.int(1, 4); i > 0; i--) {
    const at = rng.int(0, Math.max(0, bytes.length - 1))
    switch (rng.int(0, 3)) {
      case 0: bytes[at] = rng.int(0, 255); break
      case 1: bytes.splice(at, 0, rng.int(0, 255)); break
      case 2: bytes.splice(at, 1); break
      default: bytes.length = at
    }
  }
  return Uint8Array.from(bytes)
}

/** One frame from the hostile menu. May or may not get the sender disconnected. */
function hostileFrame(rng: Random, sample: () => Uint8Array): Uint8Array | string {
  switch (rng.int(0, 9)) {
    case 0: // a truncated varint
      return Uint8Array.from({ length: rng.int(1, 12) }, () => rng.int(0x80, 0xff))
    case 1: // a sync sub-type that does not exist
      return bytesOf((e) => {
        encoding.writeVarUint(e, MessageType.SYNC)
        encoding.writeVarUint(e, rng.int(3, 1 << 20))
        encoding.writeVarUint8Array(e, rng.bytes(rng.int(0, 16)))
      })
    case 2: // a length far past the end of the frame
      return bytesOf((e) => {
        encoding.writeVarUint(e, rng.pick([MessageType.SYNC, MessageType.AWARENESS]))
        encoding.writeVarUint(e, rng.pick([SyncType.STEP1, SyncType.STEP2, SyncType.UPDATE]))
        encoding.writeVarUint(e, rng.pick([2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1, rng.int(100, 1e6)]))
        encoding.writeUint8Array(e, rng.bytes(rng.int(0, 8)))
      })
    case 3: // an update full of garbage
      return encodeSyncUpdate(rng.bytes(rng.int(0, 512)))
    case 4: // a garbage awareness update
      return encodeAwareness(rng.bytes(rng.int(0, 128)))
    case 5: // a garbage state vector
      return encodeSyncStep1(rng.bytes(rng.int(1, 64)))
    case 6: // entirely random bytes
      return rng.bytes(rng.int(0, 256))
    case 7: // a valid update to an unknown type
      return encodeSyncUpdate(validUpdate(rng))
    case 8: // a text frame
      return 'not a binary frame'
    default: // a real frame, mutated
      return mutate(rng, sample())
  }
}

/** Closes the fuzz relay may answer hostile frames with; anything else is a bug. */
const EXPECTED_CLOSES = new Set<number>([CloseCode.INVALID_MESSAGE, CloseCode.UNSUPPORTED_DATA, CloseCode.MESSAGE_TOO_BIG])

/**
 * Sends batches of benign frames, one hostile frame and a sync step 1 probe
 * per connection, until `budget` frames have reached the relay. Returns how
 * many frames the relay handled.
 */
async function lane(port: number, rng: Random, budget: number): Promise<number> {
  const presence = new Awareness(new Y.Doc())
  const sampleDoc = new Y.Doc()
  sampleDoc.getMap('fuzz-sample').set('v', 1)
  const samples = [
    encodeSyncUpdate(Y.encodeStateAsUpdate(sampleDoc)),
    encodeSyncStep1(Y.encodeStateVector(sampleDoc)),
    encodeAwareness(encodeAwarenessUpdate(presence, [presence.clientID])),
  ]
  let handled = 0
  while (handled < budget) {
    const ws: WebSocket = await openRawSocket(port, `/ws/${DOC}`)
    const outcome = new Promise<'replied' | number>((resolve) => {
      ws.on('message', (data: Buffer) => {
        if (data[0] === MessageType.SYNC && data[1] === SyncType.STEP2) resolve('replied')
      })
      ws.once('close', (code: number) => resolve(code))
    })
    const benign = rng.int(100, 300)
    for (let i = 0; i < benign; i++) ws.send(benignFrame(rng, presence))
    ws.send(hostileFrame(rng, () => rng.pick(samples)))
    ws.send(encodeSyncStep1(new Uint8Array([0])))
    const result = await outcome
    if (result === 'replied') handled += benign + 2
    else {
      assert.ok(EXPECTED_CLOSES.has(result), `unexpected close code ${result} (seed ${SEED})`)
      handled += benign + 1
    }
    ws.terminate()
  }
  presence.destroy()
  return handled
}

async function residentBytes(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return Number(/^tandem_process_resident_memory_bytes (\d+)/m.exec(text)![1])
}

test(`${FRAMES} random and mutated frames leave the relay healthy and every stored edit intact (seed ${SEED})`, async () => {
  const dir = tempDir()
  const relay = await startChildRelay(dir, [
    '--max-messages-per-second', '1000000',
    '--max-bytes-per-second', String(2 ** 30),
    '--max-message-bytes', String(2 ** 20),
    '--metrics', 'open',
  ])
  const clients: StockClient[] = []
  try {
    for (let i = 0; i < 3; i++) clients.push(await connectStockClient(relay.port, DOC))
    clients[0]!.text.insert(0, 'start;')
    await until(clients[2]!.doc, 'update', () => clients[2]!.text.toString() === 'start;')
    const rssBefore = await residentBytes(relay.port)

    // Well-behaved edits keep flowing while the lanes fuzz.
    let edits = 0
    const editing = setInterval(() => {
      const client = clients[edits % 3]!
      client.text.insert(client.text.length, `c${edits % 3}-${edits};`)
      edits++
    }, 5)
    const rng = seeded(SEED)
    const perLane = Math.ceil(FRAMES / LANES)
    const handled = (
      await Promise.all(Array.from({ length: LANES }, (_, i) => lane(relay.port, seeded(rng.int(0, 2 ** 31) + i), perLane)))
    ).reduce((a, b) => a + b, 0)
    clearInterval(editing)
    assert.ok(handled >= FRAMES, `only ${handled} frames reached the relay`)

    assert.equal((await fetch(`http://127.0.0.1:${relay.port}/healthz`)).status, 200)
    const expected = ['start;', ...Array.from({ length: edits }, (_, n) => `c${n % 3}-${n};`)]
    const converged = () => clients.every((c) => c.text.toString() === clients[0]!.text.toString())
    for (const client of clients) {
      await until(client.doc, 'update', () => expected.every((piece) => client.text.toString().includes(piece)) && converged(), 30_000)
    }
    const finalText = clients[0]!.text.toString()

    // Memory: whatever the fuzz allocated is garbage once its sockets are gone.
    const rssAfter = await residentBytes(relay.port)
    assert.ok(rssAfter < rssBefore + 96 * 2 ** 20, `RSS grew from ${rssBefore} to ${rssAfter} bytes`)

    for (const client of clients) client.destroy()
    clients.length = 0
    relay.process.kill('SIGTERM')
    assert.equal((await relay.exited).code, 0)
    const restarted = await startChildRelay(dir)
    const fresh = await connectStockClient(restarted.port, DOC)
    assert.equal(fresh.text.toString(), finalText)
    fresh.destroy()
    restarted.process.kill('SIGTERM')
    await restarted.exited
  } finally {
    for (const client of clients) client.destroy()
    relay.process.kill('SIGKILL')
    removeDir(dir)
  }
})
