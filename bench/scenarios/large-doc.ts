/**
 * Scenario 3, large document: a document of at least 250,000 small edits.
 * How long until a new client holds a complete copy, from a cold relay (the
 * document only on disk) and from a warm one (already in memory), against the
 * floor: the time Yjs alone takes to apply the same state.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import WebSocket from 'ws'
import { SyncType } from '../../shared/protocol.js'
import { buildLargeDoc } from '../trace.js'
import { startServer, type ServerUnderTest } from '../servers.js'
import { fixed, median, ratio, table, type Goal, type Section } from '../report.js'
import type { Settings } from '../settings.js'
import { helloFrames, parseIncoming, socketUrl, syncFrame, type Target } from '../wire.js'

const REPEAT = 3

interface Fetch {
  /** ms from opening the socket to the first sync reply (step 2) received. */
  firstReplyMs: number
  /** ms from opening the socket until the client's document equals the original. */
  completeMs: number
  firstReplyComplete: boolean
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((x, i) => x === b[i])

/** Opens a new client with an empty document and times its way to a complete copy. */
function fetchCopy(target: Target, port: number, docName: string, expected: Uint8Array): Promise<Fetch> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const doc = new Y.Doc()
    const ws = new WebSocket(socketUrl(target, port, docName), { perMessageDeflate: false })
    let firstReplyMs = NaN
    let firstReplyComplete = false
    const timer = setTimeout(() => {
      ws.terminate()
      reject(new Error(`${target}: no complete copy within 60 s`))
    }, 60_000)
    ws.on('open', () => {
      for (const frame of helloFrames(target, docName)) ws.send(frame)
      ws.send(syncFrame(target, docName, SyncType.STEP1, Y.encodeStateVector(doc)))
    })
    ws.on('error', reject)
    ws.on('message', (data: Buffer) => {
      const message = parseIncoming(target, data)
      if (message.kind === 'step1') ws.send(syncFrame(target, docName, SyncType.STEP2, Y.encodeStateAsUpdate(doc, message.stateVector)))
      if (message.kind !== 'step2' && message.kind !== 'update') return
      Y.applyUpdate(doc, message.update)
      const complete = equalBytes(Y.encodeStateVector(doc), expected)
      if (message.kind === 'step2' && Number.isNaN(firstReplyMs)) {
        firstReplyMs = performance.now() - start
        firstReplyComplete = complete
      }
      if (!complete) return
      const completeMs = performance.now() - start
      clearTimeout(timer)
      ws.terminate()
      doc.destroy()
      resolve({ firstReplyMs, completeMs, firstReplyComplete })
    })
  })
}

/**
 * Sends the whole state as one update and checks that the server then serves
 * it. Returns the seeding socket: Hocuspocus without persistence drops a
 * document as soon as its last client leaves, so it must stay open.
 */
async function seed(target: Target, port: number, docName: string, state: Uint8Array, sv: Uint8Array): Promise<WebSocket> {
  const ws = new WebSocket(socketUrl(target, port, docName), { perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  for (const frame of helloFrames(target, docName)) ws.send(frame)
  ws.send(syncFrame(target, docName, SyncType.UPDATE, state))
  // A complete copy for another client means the server holds (for Tandem: has committed) it all.
  await fetchCopy(target, port, docName, sv)
  return ws
}

interface Row {
  target: Target
  cold: Fetch | null
  warm: Fetch
}

export async function largeDoc(settings: Settings): Promise<Section> {
  process.stderr.write('scenario 3: building the document\n')
  const built = buildLargeDoc(settings.largeDocEdits)
  const state = Y.encodeStateAsUpdate(built.doc)
  const sv = Y.encodeStateVector(built.doc)
  const textLength = built.doc.getText('t').length
  built.doc.destroy()
  // The floor: Yjs applying the state to an empty document, warmed up, median of 7.
  const floors: number[] = []
  for (let i = 0; i < 9; i++) {
    const t = performance.now()
    Y.applyUpdate(new Y.Doc(), state)
    if (i >= 2) floors.push(performance.now() - t)
  }
  const floor = median(floors)

  // BENCH_PROFILE_DIR profiles the cold relays (one profile per restart): the cold path is what is measured against the floor.
  const coldFlags = settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : []
  const rows: Row[] = []
  for (const target of settings.targets) {
    process.stderr.write(`scenario 3: ${target}\n`)
    const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
    let server: ServerUnderTest | null = await startServer(target, { dataDir })
    try {
      const docName = 'large-doc'
      const seeder = await seed(target, server.port, docName, state, sv)
      const warm: Fetch[] = []
      for (let i = 0; i < REPEAT; i++) warm.push(await fetchCopy(target, server.port, docName, sv))
      seeder.close()
      let cold: Fetch[] | null = null
      if (target === 'tandem') {
        // Only Tandem keeps documents on disk; the references lose them on restart.
        cold = []
        for (let i = 0; i < REPEAT; i++) {
          await server.stop()
          server = null
          server = await startServer(target, { dataDir, nodeFlags: coldFlags })
          cold.push(await fetchCopy(target, server.port, docName, sv))
        }
      }
      const pick = (xs: Fetch[]): Fetch => {
        const m = median(xs.map((x) => x.completeMs))
        return { ...xs.find((x) => x.completeMs === m)!, firstReplyComplete: xs.every((x) => x.firstReplyComplete) }
      }
      rows.push({ target, warm: pick(warm), cold: cold && pick(cold) })
    } finally {
      await server?.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  const tandem = rows.find((r) => r.target === 'tandem')
  const goals: Goal[] = tandem?.cold
    ? [
        { scenario: 3, goal: 'cold complete copy ≤ 2× the Yjs floor', met: tandem.cold.completeMs <= 2 * floor, measured: `${fixed(tandem.cold.completeMs)} ms = ${ratio(tandem.cold.completeMs, floor)} floor (${fixed(floor)} ms)` },
        { scenario: 3, goal: 'the first sync reply is already complete', met: tandem.cold.firstReplyComplete && tandem.warm.firstReplyComplete, measured: `cold: ${tandem.cold.firstReplyComplete ? 'complete' : 'incomplete'}, warm: ${tandem.warm.firstReplyComplete ? 'complete' : 'incomplete'}` },
      ]
    : []
  const cell = (f: Fetch | null, key: 'firstReplyMs' | 'completeMs') => (f ? fixed(f[key]) : 'n/a (in memory only)')
  return {
    title: '3. Large document',
    body:
      `Document: ${built.edits.toLocaleString('en')} edits in ${built.transactions.toLocaleString('en')} Yjs transactions, from the ${built.source}; ${textLength.toLocaleString('en')} characters, state ${(state.byteLength / 1024).toFixed(0)} KiB. ` +
      `It reaches each server as one update. A new client with an empty document opens a socket and syncs; "complete" means its state vector equals the original's. ` +
      `Cold: the server was restarted, so the document is only on disk (Tandem only: the references keep nothing across a restart). Median of ${REPEAT}. ` +
      `Floor: Yjs applying the same state to an empty Y.Doc in the benchmark process, warmed up, median of 7: **${fixed(floor)} ms**.\n\n` +
      table(
        ['server', 'cold: first reply ms', 'cold: complete ms', 'cold vs floor', 'warm: first reply ms', 'warm: complete ms', 'warm vs floor', 'first reply complete?'],
        rows.map((r) => [
          r.target, cell(r.cold, 'firstReplyMs'), cell(r.cold, 'completeMs'), r.cold ? ratio(r.cold.completeMs, floor) : 'n/a',
          fixed(r.warm.firstReplyMs), fixed(r.warm.completeMs), ratio(r.warm.completeMs, floor),
          (r.cold ? r.cold.firstReplyComplete && r.warm.firstReplyComplete : r.warm.firstReplyComplete) ? 'yes' : 'no',
        ]),
      ),
    goals,
  }
}
