/**
 * The HTTP fallback end to end in Node: stock y-websocket providers whose
 * socket class is fallbackWebSocket() (client/sync/fallback-socket.ts), over
 * forced streaming, forced long-polling, a blocked upgrade, and plain
 * WebSocket, on one document.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import WebSocket from 'ws'
import { connectStockClient, until, type StockClient } from '../helpers/clients.js'
import { removeDir, startChildRelay, startTestRelay, tempDir, type ChildRelay } from '../helpers/relay.js'
import { WebSocketServer } from 'ws'
import type { AddressInfo } from 'node:net'
import { fallbackWebSocket, RELAY_LOST_AFTER_MS, UPGRADE_BLOCKED, type FallbackOptions, type TransportInfo } from '../../client/sync/fallback-socket.js'
import { startProxy } from '../helpers/proxy.js'
import { decodeMessage } from '../../shared/protocol.js'
import { decodeFrameBatch } from '../../shared/frame-batch.js'
import { EventEmitter } from 'node:events'

const cleanups: Array<() => unknown> = []
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket

/** A socket class for Node: `ws` underneath, the given fallback options on top. */
const fallback = (options: FallbackOptions = {}) => fallbackWebSocket({ WebSocket: NodeWebSocket, ...options })

/** A `ws` whose upgrade a proxy refuses: it asks for a path the relay answers with 404. */
class BlockedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(String(url).replace('/ws/', '/blocked/'), protocols)
  }
}

async function client(port: number, doc: string, Polyfill: typeof globalThis.WebSocket): Promise<StockClient> {
  const c = await connectStockClient(port, doc, new Y.Doc(), {}, Polyfill)
  cleanups.push(() => c.destroy())
  return c
}

test('stock providers over streaming, long-polling, a blocked upgrade and WebSocket converge, with presence', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  cleanups.push(() => removeDir(dir), () => relay.close())
  const seen: TransportInfo[] = []
  const clients = [
    await client(relay.port, 'mixed', fallback({ force: 'streaming' })),
    await client(relay.port, 'mixed', fallback({ force: 'polling' })),
    await client(relay.port, 'mixed', fallback({ WebSocket: BlockedWebSocket as unknown as typeof globalThis.WebSocket, onTransport: (info) => seen.push(info) })),
    await client(relay.port, 'mixed', fallback()),
    await client(relay.port, 'mixed', NodeWebSocket),
  ]
  const transports = clients.map((c) => (c.provider.ws as unknown as { transport?: string }).transport ?? 'plain ws')
  assert.deepEqual(transports, ['streaming', 'polling', 'streaming', 'websocket', 'plain ws'])
  assert.deepEqual(seen, [{ transport: 'streaming', reason: UPGRADE_BLOCKED }])
  assert.equal((clients[2]!.provider.ws as unknown as { fallbackReason: string }).fallbackReason, UPGRADE_BLOCKED)

  clients.forEach((c, i) => {
    c.provider.awareness.setLocalStateField('user', { name: `client ${i}` })
    for (let n = 0; n < 5; n++) c.text.insert(0, `${i}.${n};`)
  })
  const ids = clients.map((c) => c.doc.clientID)
  for (const c of clients) {
    await until(c.doc, 'update', () => c.text.length === clients.length * 5 * 4)
    await until(c.provider.awareness, 'change', () => ids.every((id) => c.provider.awareness.getStates().get(id)?.user))
  }
  const texts = new Set(clients.map((c) => c.text.toString()))
  assert.equal(texts.size, 1, 'every client holds the same text')
})

test('a WebSocket that opens but carries nothing, and a proxy that buffers the stream, fall back further', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  cleanups.push(() => removeDir(dir), () => relay.close())

  // Something accepts the upgrade and then forwards nothing.
  const silent = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  cleanups.push(() => new Promise((resolve) => silent.close(resolve)))
  await new Promise((resolve) => silent.once('listening', resolve))
  const silentPort = (silent.address() as AddressInfo).port
  const heldOpen = new Promise<WebSocket>((resolve) => silent.once('connection', resolve))
  class SilentWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(String(url).replace(`:${relay.port}/`, `:${silentPort}/`), protocols)
    }
  }
  const held = await client(relay.port, 'further', fallback({ WebSocket: SilentWebSocket as unknown as typeof globalThis.WebSocket, firstFrameTimeoutMs: 500 }))
  const heldSocket = held.provider.ws as unknown as { transport: string; fallbackReason: string }
  assert.equal(heldSocket.transport, 'streaming')
  assert.match(heldSocket.fallbackReason, /no data came through/)
  // The useless socket is not left open.
  const abandoned = await heldOpen
  if (abandoned.readyState !== WebSocket.CLOSED) await new Promise((resolve) => abandoned.once('close', resolve))

  // A proxy that blocks upgrades and holds responses back until they are complete.
  const proxy = await startProxy(relay.port, { upgrades: false, buffering: true })
  cleanups.push(() => proxy.close())
  const buffered = await client(Number(new URL(proxy.url).port), 'further', fallback({ firstFrameTimeoutMs: 500 }))
  const bufferedSocket = buffered.provider.ws as unknown as { transport: string; fallbackReason: string }
  assert.equal(bufferedSocket.transport, 'polling')
  assert.match(bufferedSocket.fallbackReason, /buffers streamed responses/)

  held.text.insert(0, 'held;')
  buffered.text.insert(0, 'buffered;')
  for (const c of [held, buffered]) await until(c.doc, 'update', () => c.text.length === 'held;buffered;'.length)
  assert.equal(held.text.toString(), buffered.text.toString())
})

test('after a fallback, later connections skip WebSocket for a while, then use it again when it gets through', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  cleanups.push(() => removeDir(dir), () => relay.close())
  let blocked = true
  let attempts = 0
  class SometimesBlocked extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      attempts++
      super(blocked ? String(url).replace('/ws/', '/blocked/') : url, protocols)
    }
  }
  const Polyfill = SometimesBlocked as unknown as typeof globalThis.WebSocket
  const reconnect = async (c: StockClient) => {
    c.provider.disconnect()
    c.provider.connect()
    await until(c.provider, 'sync', () => c.provider.synced)
    return (c.provider.ws as unknown as { transport: string }).transport
  }

  const patient = await client(relay.port, 'retry-ws', fallback({ WebSocket: Polyfill }))
  assert.equal((patient.provider.ws as unknown as { transport: string }).transport, 'streaming')
  assert.equal(attempts, 1)
  blocked = false
  // Within the retry window a reconnect goes straight to HTTP: no WebSocket attempt.
  assert.equal(await reconnect(patient), 'streaming')
  assert.equal(attempts, 1)

  blocked = true
  const eager = await client(relay.port, 'retry-ws', fallback({ WebSocket: Polyfill, retryWebSocketAfterMs: 0 }))
  assert.equal((eager.provider.ws as unknown as { transport: string }).transport, 'streaming')
  blocked = false
  assert.equal(await reconnect(eager), 'websocket')
  patient.text.insert(0, 'both ways')
  await until(eager.doc, 'update', () => eager.text.toString() === 'both ways')
})

test('a relay that is down is not mistaken for a proxy that blocks WebSockets', async () => {
  const dir = tempDir()
  let relay = await startTestRelay(dir)
  const port = relay.port
  cleanups.push(() => removeDir(dir), () => relay.close())
  const c = await client(port, 'down', fallback())
  assert.equal((c.provider.ws as unknown as { transport: string }).transport, 'websocket')
  await relay.close()
  await until(c.provider, 'status', () => !c.provider.wsconnected)
  // Let a few reconnects fail (both WebSocket and HTTP) before the relay is back.
  let failures = 0
  await until(c.provider, 'connection-close', () => ++failures >= 3)
  relay = await startTestRelay(dir, { port })
  await until(c.provider, 'sync', () => c.provider.synced)
  assert.equal((c.provider.ws as unknown as { transport: string }).transport, 'websocket')
})

test('a dropped stream and lost upload answers resume in the same session: nothing lost, nothing repeated', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  cleanups.push(() => removeDir(dir), () => relay.close())
  // A network that can cut the open streams and swallow upload answers.
  const streams = new Set<AbortController>()
  let loseUploadAnswers = 0
  const flakyFetch: typeof fetch = async (input, init) => {
    const url = String(input)
    if (url.endsWith('/frames') && loseUploadAnswers > 0) {
      loseUploadAnswers--
      await fetch(input, init) // the relay got it; the answer never arrives
      throw new TypeError('network error')
    }
    if (!url.includes('/stream?')) return fetch(input, init)
    const cut = new AbortController()
    streams.add(cut)
    init?.signal?.addEventListener('abort', () => cut.abort())
    return fetch(input, { ...init, signal: cut.signal })
  }
  const writer = await client(relay.port, 'drops', NodeWebSocket)
  const reader = await client(relay.port, 'drops', fallback({ force: 'streaming', fetch: flakyFetch }))
  const socket = reader.provider.ws!
  const updates = receivedUpdates(reader)

  for (let round = 0; round < 5; round++) {
    writer.text.insert(writer.text.length, `w${round};`)
    await until(reader.doc, 'update', () => reader.text.toString() === writer.text.toString())
    for (const cut of streams) cut.abort()
    streams.clear()
    writer.text.insert(writer.text.length, `gap${round};`)
    loseUploadAnswers = 1
    reader.text.insert(reader.text.length, `r${round};`)
    await until(writer.doc, 'update', () => writer.text.toString().includes(`r${round};`))
  }
  await until(reader.doc, 'update', () => reader.text.toString() === writer.text.toString())
  assert.equal(reader.provider.ws, socket, 'the provider never had to reconnect')
  assert.equal(new Set(updates).size, updates.length, 'no update frame was delivered twice')
  assert.equal(writer.text.toString().match(/r\d;/g)!.length, 5)
})

test('an idle long-polling session keeps one poll parked, a busy one two', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir, { httpPollTimeoutMs: 300 })
  cleanups.push(() => removeDir(dir), () => relay.close())
  // Counts the polls in flight; tells each answer (how many frames, whether queued).
  const events = new EventEmitter()
  let inFlight = 0
  let peak = 0
  const answers: Array<{ queued: boolean; frames: number }> = []
  const counting: typeof fetch = async (input, init) => {
    const url = String(input)
    if (!url.includes('/poll?')) return fetch(input, init)
    peak = Math.max(peak, ++inFlight)
    events.emit('poll')
    try {
      const res = await fetch(input, init)
      const body = new Uint8Array(await res.arrayBuffer())
      answers.push({ queued: url.includes('queue=1'), frames: res.status === 200 ? decodeFrameBatch(body).frames.length : 0 })
      return new Response(body, { status: res.status, headers: res.headers })
    } finally {
      inFlight--
      events.emit('answer')
    }
  }
  const writer = await client(relay.port, 'idle-polls', NodeWebSocket)
  const reader = await client(relay.port, 'idle-polls', fallback({ force: 'polling', fetch: counting }))
  writer.text.insert(0, 'busy')
  await until(reader.doc, 'update', () => reader.text.toString() === 'busy')
  await until(events, 'poll', () => inFlight === 2)

  // Idle: the spare's poll times out empty and is not renewed; the main lane's polls time out one at a time.
  await until(events, 'answer', () => answers.some((a) => a.queued && a.frames === 0))
  const mark = answers.length
  peak = inFlight
  await until(events, 'answer', () => answers.slice(mark).filter((a) => a.frames === 0).length >= 2)
  assert.equal(peak, 1, 'one poll parked while idle')

  writer.text.insert(4, ' again')
  await until(reader.doc, 'update', () => reader.text.toString() === 'busy again')
  await until(events, 'poll', () => inFlight === 2)
})

// Without a second poll the reader waits for the held answer forever: the timeout makes that a failure.
test('long polling keeps a second poll parked: a frame is delivered while the answer before it is still on its way', { timeout: 20_000 }, async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir, { httpPollTimeoutMs: 60_000 })
  cleanups.push(() => removeDir(dir), () => relay.close())
  // A network that holds back the answer carrying "first" until the reader has "second".
  let release: () => void = () => undefined
  const released = new Promise<void>((resolve) => (release = resolve))
  let held = 0
  let holdingNow: () => void = () => undefined
  const isHeld = new Promise<void>((resolve) => (holdingNow = resolve))
  const polls: string[] = []
  const holding: typeof fetch = async (input, init) => {
    const url = String(input)
    if (!url.includes('/poll?')) return fetch(input, init)
    polls.push(url)
    const res = await fetch(input, init)
    const body = new Uint8Array(await res.arrayBuffer())
    if (held === 0 && Buffer.from(body).includes('first')) {
      held++
      holdingNow()
      await released
    }
    return new Response(body, { status: res.status, headers: res.headers })
  }
  const writer = await client(relay.port, 'parked', NodeWebSocket)
  const reader = await client(relay.port, 'parked', fallback({ force: 'polling', fetch: holding }))
  const updates = receivedUpdates(reader)

  writer.text.insert(0, 'first ')
  await isHeld
  writer.text.insert(writer.text.length, 'second')
  await until(reader.doc, 'update', () => reader.text.toString() === 'first second')
  release()
  writer.text.insert(writer.text.length, ' third')
  await until(reader.doc, 'update', () => reader.text.toString() === 'first second third')
  assert.equal(new Set(updates).size, updates.length, 'the frames of the held answer, delivered already, were dropped')
  assert.ok(polls.some((url) => url.includes('&queue=1')))
})

test('forced to WebSocket, a blocked upgrade closes the connection instead of falling back to HTTP', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  cleanups.push(() => removeDir(dir), () => relay.close())
  const requests: string[] = []
  const recording: typeof fetch = (input, init) => {
    requests.push(String(input))
    return fetch(input, init)
  }
  const Socket = fallback({ force: 'websocket', WebSocket: BlockedWebSocket as unknown as typeof globalThis.WebSocket, fetch: recording, firstFrameTimeoutMs: 50 })
  const socket = new Socket(`ws://127.0.0.1:${relay.port}/ws/forced`)
  const closed = await new Promise<CloseEvent>((resolve) => socket.addEventListener('close', resolve as (e: Event) => void, { once: true }))
  assert.equal(closed.code, 1006)
  assert.equal((socket as unknown as { transport: string | null }).transport, null)
  assert.deepEqual(requests, [], 'no HTTP session was opened')
})

test('short polling asks with wait=0 no more than once per interval, and still converges', async () => {
  const dir = tempDir()
  const relay = await startTestRelay(dir)
  cleanups.push(() => removeDir(dir), () => relay.close())
  const polls: Array<{ url: string; at: number }> = []
  const recording: typeof fetch = (input, init) => {
    if (String(input).includes('/poll?')) polls.push({ url: String(input), at: Date.now() })
    return fetch(input, init)
  }
  const interval = 150
  const writer = await client(relay.port, 'short', NodeWebSocket)
  const reader = await client(relay.port, 'short', fallback({ force: 'polling', shortPollIntervalMs: interval, fetch: recording }))
  for (let round = 0; round < 3; round++) {
    writer.text.insert(writer.text.length, `${round};`)
    await until(reader.doc, 'update', () => reader.text.toString() === writer.text.toString())
  }
  assert.ok(polls.length >= 3, `${polls.length} polls`)
  for (const { url } of polls) assert.match(url, /[?&]wait=0(&|$)/)
  const gaps = polls.slice(1).map((p, i) => p.at - polls[i]!.at)
  assert.ok(gaps.every((gap) => gap >= interval - 5), `polls ${gaps.join(', ')} ms apart`)
})

for (const transport of ['streaming', 'polling'] as const) {
  test(`a SIGKILL right after a peer received an edit sent over ${transport} loses nothing`, async () => {
    const dir = tempDir()
    let relay = await startChildRelay(dir)
    try {
      const received = new Set<string>()
      for (let cycle = 0; cycle < 3; cycle++) {
        const writer = await connectStockClient(relay.port, 'crash-http', new Y.Doc(), {}, fallback({ force: transport }))
        const reader = await connectStockClient(relay.port, 'crash-http', new Y.Doc(), {}, NodeWebSocket)
        const killed = new Promise<void>((resolve) => {
          reader.text.observe(() => {
            if (!reader.text.toString().includes(`${cycle}.`)) return
            relay.process.kill('SIGKILL')
            for (const token of reader.text.toString().split(';').filter(Boolean)) received.add(token)
            for (const c of [writer, reader]) c.provider.shouldConnect = false
            resolve()
          })
        })
        let n = 0
        const writing = setInterval(() => writer.text.insert(writer.text.length, `${cycle}.${n++};`), 5)
        await killed
        clearInterval(writing)
        await relay.exited
        writer.destroy()
        reader.destroy()
        relay = await startChildRelay(dir)
      }
      const check = await connectStockClient(relay.port, 'crash-http')
      const stored = new Set(check.text.toString().split(';').filter(Boolean))
      check.destroy()
      assert.ok(received.size >= 3)
      for (const token of received) assert.ok(stored.has(token), `lost ${token}`)
    } finally {
      relay.process.kill('SIGKILL')
      await relay.exited
      removeDir(dir)
    }
  })
}

/** Resolves with the close event of `socket`, or rejects once `withinMs` have passed. */
function closesWithin(socket: WebSocket | globalThis.WebSocket, withinMs: number): Promise<CloseEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the socket was still open ${withinMs} ms later`)), withinMs)
    ;(socket as globalThis.WebSocket).addEventListener(
      'close',
      (event) => {
        clearTimeout(timer)
        resolve(event as CloseEvent)
      },
      { once: true },
    )
  })
}

for (const transport of ['streaming', 'polling'] as const) {
  test(`a relay killed under a ${transport} client: the socket closes as dropped (1006) within RELAY_LOST_AFTER_MS and the provider reports disconnected`, async () => {
    await withChildRelay([], async (relay) => {
      const c = await connectStockClient(relay.port, 'lost', new Y.Doc(), {}, fallback({ force: transport }))
      const socket = c.provider.ws!
      assert.equal((socket as unknown as { transport: string }).transport, transport)
      assert.equal(c.provider.wsconnected, true)
      relay.process.kill('SIGKILL')
      await relay.exited
      const killedAt = Date.now()
      // The bound, plus slack for a busy machine: without it the client waits out the session's idle timeout (30 s).
      const closed = await closesWithin(socket, RELAY_LOST_AFTER_MS + 3000)
      const took = Date.now() - killedAt
      assert.equal(closed.code, 1006)
      assert.equal(c.provider.wsconnected, false, 'the provider reports disconnected')
      assert.ok(took <= RELAY_LOST_AFTER_MS + 3000, `closed ${took} ms after the kill`)
      c.provider.shouldConnect = false
      c.destroy()
    })
  })
}

// A relay that hangs (SIGSTOP) answers nothing and refuses nothing: only the client's watchdogs
// notice. The relay announces its poll timeout and keep-alive; short ones keep these tests short.
const hangingRelayCases = [
  { transport: 'polling', label: 'long-polling', flag: '--http-poll-timeout-ms', dueMs: 1000, lost: 'the late poll counts as lost' },
  { transport: 'streaming', label: 'streaming', flag: '--http-keepalive-ms', dueMs: 500, lost: 'the silent stream counts as lost' },
] as const
for (const { transport, label, flag, dueMs, lost } of hangingRelayCases) {
  test(`a relay that stops answering (SIGSTOP) under a ${label} client: ${lost} and the socket closes`, async () => {
    await withChildRelay([flag, String(dueMs)], async (relay) => {
      const c = await connectStockClient(relay.port, `silent-${transport}`, new Y.Doc(), {}, fallback({ force: transport }))
      const socket = c.provider.ws!
      assert.equal((socket as unknown as { transport: string }).transport, transport)
      relay.process.kill('SIGSTOP')
      // A poll or stream is late 5 s after it was due; the retry is late after 5 s more.
      const closed = await closesWithin(socket, dueMs + 5000 + 5000 + 3000)
      assert.equal(closed.code, 1006)
      assert.equal(c.provider.wsconnected, false)
      c.provider.shouldConnect = false
      c.destroy()
    })
  })
}

test('the relay announces its stream keep-alive interval at session creation and keeps to it on an idle stream', async () => {
  await withChildRelay(['--http-keepalive-ms', '300'], async (relay) => {
    const base = `http://127.0.0.1:${relay.port}/http/keepalive-doc/sessions`
    const created = await fetch(base, { method: 'POST' })
    const body = (await created.json()) as { session: string; keepAliveMs: number }
    assert.equal(body.keepAliveMs, 300)
    const stream = await fetch(`${base}/${body.session}/stream?after=0`)
    const reader = stream.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    while (!text.includes(': keepalive')) {
      const { done, value } = await reader.read()
      assert.equal(done, false, 'the stream ended before a keep-alive')
      text += decoder.decode(value, { stream: true })
    }
    await reader.cancel()
    await fetch(`${base}/${body.session}`, { method: 'DELETE' })
  })
})

/** Runs `body` against a child relay started with `args`, then kills it and removes its folder. */
async function withChildRelay(args: string[], body: (relay: ChildRelay) => Promise<void>): Promise<void> {
  const dir = tempDir()
  const relay = await startChildRelay(dir, args)
  try {
    await body(relay)
  } finally {
    relay.process.kill('SIGKILL')
    await relay.exited
    removeDir(dir)
  }
}

/** Every sync update `client`'s socket delivers, as hex, in order (to spot one delivered twice). */
function receivedUpdates(client: StockClient): string[] {
  const updates: string[] = []
  client.provider.ws!.addEventListener('message', (event) => {
    const message = decodeMessage(new Uint8Array((event as MessageEvent).data as ArrayBuffer))
    if (message.kind === 'sync-update') updates.push(Buffer.from(message.update).toString('hex'))
  })
  return updates
}
