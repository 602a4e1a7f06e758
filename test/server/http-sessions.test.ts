/**
 * The HTTP fallback wire (docs/protocol.md, "HTTP fallback") spoken with raw
 * fetch: sessions join rooms like sockets, uploads are numbered and applied
 * once, streams resume without loss or repeats, and bad input touches nothing.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { connectStockClient, openRawSocket, closed, until, type StockClient } from '../helpers/clients.js'
import { removeDir, startTestRelay, tempDir } from '../helpers/relay.js'
import { openSession, openStream, poll, pollFrames, postFrames, type RawSession } from '../helpers/http-session.js'
import {
  decodeMessage,
  encodeAwareness,
  encodeSaveAckRequest,
  encodeSyncUpdate,
  CloseCode,
} from '../../shared/protocol.js'
import { mintToken } from '../../server/auth.js'
import type { Relay } from '../../server/relay.js'
import type { StreamEvent } from '../../shared/event-stream.js'
import { decodeFrameBatch, type FrameBatch } from '../../shared/frame-batch.js'
import type { Config } from '../../server/config.js'

const cleanups: Array<() => unknown> = []
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function relayWith(overrides: Partial<Config> = {}): Promise<Relay> {
  const dir = tempDir()
  const relay = await startTestRelay(dir, overrides)
  cleanups.push(() => removeDir(dir), () => relay.close())
  return relay
}

async function stockClient(port: number, doc: string, params: Record<string, string> = {}): Promise<StockClient> {
  const client = await connectStockClient(port, doc, new Y.Doc(), params)
  cleanups.push(() => client.destroy())
  return client
}

/** An update frame inserting `text` by a fresh Yjs client. */
function insertFrame(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return encodeSyncUpdate(Y.encodeStateAsUpdate(doc))
}

/** The text of the document as stored (after every pending commit). */
async function storedText(relay: Relay, name: string): Promise<string> {
  await relay.rooms.loaded(name)?.settled()
  const doc = new Y.Doc()
  for (const update of await relay.store.load(name)) Y.applyUpdate(doc, update)
  return doc.getText('t').toString()
}

/** Waits until the session got its first frame (the relay's STEP1: the room is loaded). */
async function joined(session: RawSession): Promise<number> {
  const batch = await pollFrames(session, 0)
  assert.equal(batch.firstSeq, 1)
  assert.equal(decodeMessage(batch.frames[0]!).kind, 'sync-step1')
  return batch.firstSeq + batch.frames.length - 1
}

test('an upload that is not a frame batch gets 400 and nothing; a batch with one malformed frame applies none of it', async () => {
  const relay = await relayWith()
  const session = await openSession(relay.port, 'bad-batch')
  await joined(session)

  for (const body of [new Uint8Array([1, 5, 1]), new Uint8Array(), new Uint8Array([0, 1, 1, 3])]) {
    const answer = await postFrames(session, 0, body)
    assert.equal(answer.status, 400)
    assert.match(String(answer.body.error), /malformed frame batch/)
  }
  // The session is still usable after a body it could not read.
  assert.deepEqual(await postFrames(session, 1, [insertFrame('kept')]), { status: 200, body: { applied: 1 } })
  assert.equal(await storedText(relay, 'bad-batch'), 'kept')

  // A good update followed by a frame that is not a y-websocket message: neither is applied.
  const answer = await postFrames(session, 2, [insertFrame('LOST '), new Uint8Array([0, 9])])
  assert.equal(answer.status, 400)
  assert.equal(answer.body.code, CloseCode.INVALID_MESSAGE)
  assert.equal(await storedText(relay, 'bad-batch'), 'kept')
  // The session is closed like a socket would be: the next poll says why.
  let last = 0
  for (;;) {
    const polled = await poll(session, last, true)
    if (polled.status === 200 && 'batch' in polled) {
      last = polled.batch.firstSeq + polled.batch.frames.length - 1
      continue
    }
    assert.equal(polled.status, 410)
    assert.equal((polled as { body: Record<string, unknown> }).body.code, CloseCode.INVALID_MESSAGE)
    break
  }
})

test('a gap in upload numbers gets 409 with the last number applied; unknown sessions get 404', async () => {
  const relay = await relayWith()
  const session = await openSession(relay.port, 'gap')
  assert.deepEqual(await postFrames(session, 3, [insertFrame('x')]), { status: 409, body: { applied: 0 } })
  assert.deepEqual(await postFrames(session, 1, [insertFrame('a')]), { status: 200, body: { applied: 1 } })
  assert.deepEqual(await postFrames(session, 3, [insertFrame('x')]), { status: 409, body: { applied: 1 } })
  assert.equal(await storedText(relay, 'gap'), 'a')

  const unknown = { base: `http://127.0.0.1:${relay.port}/http/gap/sessions/nope`, id: 'nope' }
  const answers = [
    await fetch(`${unknown.base}/stream?after=0`),
    await fetch(`${unknown.base}/poll?after=0`),
    await fetch(`${unknown.base}/frames`, { method: 'POST', body: new Uint8Array([1, 0]) }),
    await fetch(unknown.base, { method: 'DELETE' }),
    // A real session under another document's path is unknown there.
    await fetch(`http://127.0.0.1:${relay.port}/http/other/sessions/${session.id}/poll?after=0`),
  ]
  for (const res of answers) {
    assert.equal(res.status, 404)
    assert.deepEqual(await res.json(), { error: 'no such session' })
  }
  assert.equal((await fetch(`http://127.0.0.1:${relay.port}/http/..%2f/sessions`, { method: 'POST' })).status, 400)
  assert.equal((await fetch(`http://127.0.0.1:${relay.port}/http/gap/sessions`)).status, 405)
})

test('a retried upload is applied once: the relay counts each update frame one time', async () => {
  const relay = await relayWith()
  const session = await openSession(relay.port, 'retry')
  let last = await joined(session)
  const first = [encodeSaveAckRequest(), insertFrame('a')]
  assert.deepEqual(await postFrames(session, 1, first), { status: 200, body: { applied: 2 } })
  // The answer was "lost": the client sends the same numbered frames again.
  assert.deepEqual(await postFrames(session, 1, first), { status: 200, body: { applied: 2 } })
  // A retry overlapping new frames applies only the new ones.
  assert.deepEqual(await postFrames(session, 2, [insertFrame('a'), insertFrame('b')]), { status: 200, body: { applied: 3 } })
  assert.deepEqual(await postFrames(session, 4, [encodeSaveAckRequest()]), { status: 200, body: { applied: 4 } })

  const acks: number[] = []
  while (acks.length < 3) {
    const batch = await pollFrames(session, last)
    assert.equal(batch.firstSeq, last + 1)
    last += batch.frames.length
    for (const frame of batch.frames) {
      const message = decodeMessage(frame)
      if (message.kind === 'save-ack') acks.push(message.committed)
    }
  }
  // Two update frames were applied: acknowledged as 1, 2, and 2 again when asked.
  assert.deepEqual(acks, [1, 2, 2])
  assert.equal((await storedText(relay, 'retry')).length, 2)
})

test('a dropped stream resumed with after= neither loses nor repeats a frame', async () => {
  const relay = await relayWith()
  const writer = await stockClient(relay.port, 'resume')
  const session = await openSession(relay.port, 'resume')
  const reader = new Y.Doc()
  const seen: number[] = []
  const apply = (event: StreamEvent) => {
    assert.equal(event.kind, 'frame')
    if (event.kind !== 'frame') return
    seen.push(event.seq)
    const message = decodeMessage(event.frame)
    if (message.kind === 'sync-update' || message.kind === 'sync-step2') Y.applyUpdate(reader, message.update)
  }

  const first = await openStream(session, 0)
  assert.equal(first.status, 200)
  writer.text.insert(0, 'one;')
  let lastRead = 0
  for await (const event of first.events) {
    apply(event)
    lastRead = seen.at(-1)!
    if (reader.getText('t').toString() === 'one;') break
  }
  // More frames are written into the stream that is about to drop unread...
  writer.text.insert(writer.text.length, 'two;')
  first.abort()
  // ... and more arrive while no stream is open.
  for (let i = 0; i < 20; i++) writer.text.insert(writer.text.length, `${i};`)
  const expected = writer.text.toString()

  const second = await openStream(session, lastRead)
  for await (const event of second.events) {
    apply(event)
    if (reader.getText('t').toString() === expected) break
  }
  second.abort()
  assert.deepEqual(seen, seen.map((_, i) => i + 1), 'frame numbers are 1, 2, 3, ... with none missing or repeated')
  assert.equal(reader.getText('t').toString(), expected)
})

test('a long poll answers as soon as a frame exists, numbered after the acknowledged ones', async () => {
  const relay = await relayWith({ httpPollTimeoutMs: 60_000 })
  const writer = await stockClient(relay.port, 'longpoll')
  const session = await openSession(relay.port, 'longpoll')
  const last = await joined(session)
  const waiting = pollFrames(session, last)
  writer.text.insert(0, 'hello')
  const batch = await waiting
  assert.equal(batch.firstSeq, last + 1)
  assert.ok(batch.frames.some((frame) => decodeMessage(frame).kind === 'sync-update'))
  // after= beyond what was sent is a client bug, refused.
  assert.equal((await fetch(`${session.base}/poll?after=999&wait=0`)).status, 400)
})

test('a poll with wait=<ms> answers empty after that long instead of the poll timeout; a bad wait is a 400', { timeout: 20_000 }, async () => {
  const relay = await relayWith({ httpPollTimeoutMs: 60_000 })
  const session = await openSession(relay.port, 'shortwait')
  const last = await joined(session)
  const res = await fetch(`${session.base}/poll?after=${last}&wait=200&queue=1`)
  assert.equal(res.status, 200)
  assert.equal(decodeFrameBatch(new Uint8Array(await res.arrayBuffer())).frames.length, 0)
  assert.equal((await fetch(`${session.base}/poll?after=${last}&wait=soon`)).status, 400)
})

/** A long poll sent now; resolves with its batch (throws on any other status). */
function parkPoll(session: RawSession, after: number, queued: boolean): Promise<FrameBatch> {
  return fetch(`${session.base}/poll?after=${after}${queued ? '&queue=1' : ''}`).then(async (res) => {
    if (res.status !== 200) throw new Error(`poll answered ${res.status}`)
    return decodeFrameBatch(new Uint8Array(await res.arrayBuffer()))
  })
}

/** Whether `batch` carries an update holding `text` (each test writes unique words). */
const carries = (batch: FrameBatch, text: string) => batch.frames.some((frame) => Buffer.from(frame).includes(text))

test('queued long polls stay parked together: each new frame goes out on the oldest, the other waits for the next', async () => {
  const relay = await relayWith({ httpPollTimeoutMs: 60_000 })
  const writer = await stockClient(relay.port, 'queued')
  const session = await openSession(relay.port, 'queued')
  const last = await joined(session)

  // Plain polls take the frames up to the first edit; a queued poll sent without having seen them
  // does not get them again (they were answered already): it waits for a newer frame.
  writer.text.insert(0, 'alpha ')
  let seen = last
  let one: FrameBatch
  do {
    one = await parkPoll(session, seen, false)
    seen = one.firstSeq + one.frames.length - 1
  } while (!carries(one, 'alpha'))
  const stale = parkPoll(session, last, true)
  const current = parkPoll(session, seen, true)
  const answers = [stale, current].map((p, i) => p.then((batch) => ({ i, batch })))

  writer.text.insert(0, 'bravo ')
  const early = await Promise.race(answers)
  assert.ok(carries(early.batch, 'bravo'), 'the next frame goes out at once')
  writer.text.insert(0, 'charlie ')
  const late = await answers[1 - early.i]!
  assert.ok(carries(late.batch, 'charlie'), 'the other poll stayed parked and carries the frame after')
  assert.ok(!carries(early.batch, 'charlie'))
  // Answers may overlap (the stale poll had acknowledged less) but never skip a frame.
  for (const { batch } of [early, late]) assert.ok(batch.firstSeq <= seen + 1)
})

/** An awareness frame announcing `name` for a fresh client id; that id. */
function presenceFrame(name: string): { id: number; frame: Uint8Array } {
  const doc = new Y.Doc()
  const awareness = new awarenessProtocol.Awareness(doc)
  awareness.setLocalState({ user: { name } })
  const frame = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]))
  awareness.destroy()
  return { id: doc.clientID, frame }
}

test('an idle session expires and its presence leaves the room; DELETE removes it at once', async () => {
  const relay = await relayWith({ httpIdleTimeoutMs: 300 })
  const watcher = await stockClient(relay.port, 'expiry')
  const states = () => watcher.provider.awareness.getStates()

  const idle = await openSession(relay.port, 'expiry')
  const idler = presenceFrame('idler')
  assert.equal((await postFrames(idle, 1, [idler.frame])).status, 200)
  await until(watcher.provider.awareness, 'change', () => states().has(idler.id))
  // Nothing polls, nothing posts: the relay lets it go like a dropped socket.
  await until(watcher.provider.awareness, 'change', () => !states().has(idler.id))
  assert.equal((await poll(idle, 0)).status, 404)

  const leaving = await openSession(relay.port, 'expiry')
  const leaver = presenceFrame('leaver')
  assert.equal((await postFrames(leaving, 1, [leaver.frame])).status, 200)
  await until(watcher.provider.awareness, 'change', () => states().has(leaver.id))
  // A stream keeps the session alive past the idle timeout...
  const stream = await openStream(leaving, 0)
  const events = stream.events[Symbol.asyncIterator]()
  await events.next()
  const deleted = await fetch(leaving.base, { method: 'DELETE' })
  assert.equal(deleted.status, 204)
  await until(watcher.provider.awareness, 'change', () => !states().has(leaver.id))
  stream.abort()
})

test('a viewer token opens a session that cannot write; no token is refused like an upgrade', async () => {
  const secret = 'test-secret-that-is-long-enough-0123456789'
  const relay = await relayWith({ authSecret: secret })
  assert.equal((await fetch(`http://127.0.0.1:${relay.port}/http/locked/sessions`, { method: 'POST' })).status, 401)
  const editorToken = await mintToken(secret, { doc: 'locked', role: 'editor', ttlSeconds: 60 })
  const wrongDoc = await mintToken(secret, { doc: 'other', role: 'editor', ttlSeconds: 60 })
  assert.equal((await fetch(`http://127.0.0.1:${relay.port}/http/locked/sessions?token=${wrongDoc}`, { method: 'POST' })).status, 403)

  const viewer = await openSession(relay.port, 'locked', `?token=${await mintToken(secret, { doc: 'locked', role: 'viewer', ttlSeconds: 60 })}`)
  await joined(viewer)
  assert.deepEqual(await postFrames(viewer, 1, [insertFrame('VIEWER')]), { status: 200, body: { applied: 1 } })
  const editor = await openSession(relay.port, 'locked', `?token=${editorToken}`)
  await joined(editor)
  assert.deepEqual(await postFrames(editor, 1, [insertFrame('editor')]), { status: 200, body: { applied: 1 } })
  assert.equal(await storedText(relay, 'locked'), 'editor')
})

test('the per-address limit counts HTTP sessions together with sockets', async () => {
  const relay = await relayWith({ maxConnectionsPerIp: 2 })
  const ws = await openRawSocket(relay.port, '/ws/limited')
  cleanups.push(() => ws.terminate())
  const session = await openSession(relay.port, 'limited')
  const refused = await fetch(`http://127.0.0.1:${relay.port}/http/limited/sessions`, { method: 'POST' })
  assert.equal(refused.status, 429)
  assert.equal(((await refused.json()) as { code: number }).code, CloseCode.TOO_MANY_CONNECTIONS)
  const socket = await openRawSocket(relay.port, '/ws/limited')
  assert.equal((await closed(socket)).code, CloseCode.TOO_MANY_CONNECTIONS)
  // A session that leaves frees its place.
  assert.equal((await fetch(session.base, { method: 'DELETE' })).status, 204)
  await openSession(relay.port, 'limited')
})

test('a session that does not read is closed as a slow consumer (4008), and one that sends too fast as a socket would be (4029)', async () => {
  const relay = await relayWith({ maxBufferedBytes: 2048, maxMessagesPerSecond: 1 })
  const writer = await stockClient(relay.port, 'slow')
  const sleeper = await openSession(relay.port, 'slow')
  // Unacknowledged frames count as buffered: the session never polls while the writer writes.
  writer.text.insert(0, 'x'.repeat(4096))
  let last = 0
  for (;;) {
    const polled = await poll(sleeper, last, true)
    if (polled.status === 200 && 'batch' in polled) {
      last = polled.batch.firstSeq + polled.batch.frames.length - 1
      continue
    }
    assert.equal(polled.status, 410)
    assert.equal((polled as { body: Record<string, unknown> }).body.code, CloseCode.SLOW_CONSUMER)
    break
  }

  const flooder = await openSession(relay.port, 'slow')
  await joined(flooder)
  const flood = Array.from({ length: 20 }, (_, i) => insertFrame(`f${i}`))
  const answer = await postFrames(flooder, 1, flood)
  assert.equal(answer.status, 400)
  assert.equal(answer.body.code, CloseCode.RATE_LIMITED)
})
