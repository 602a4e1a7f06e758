/**
 * A load-generator worker thread. It owns whole documents: every client of a
 * document lives in the same worker, so the writer's send time and the
 * readers' receive times come from one clock and one map.
 *
 * Commands (from pool.ts) and replies are the types in ./messages.ts.
 */
import { parentPort } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { LoadClient } from './client.js'
import { useTransport, wireBytes } from './transports.js'
import type { Command, DocPlan, RunResult } from './messages.js'

interface Pending {
  sentAt: number
  remaining: number
  writer: LoadClient
}

interface DocState {
  plan: DocPlan
  clients: LoadClient[]
  writers: LoadClient[]
  pending: Map<number, Pending>
}

/** Milliseconds on a clock every worker of the process shares. */
const now = () => performance.timeOrigin + performance.now()

let docs: DocState[] = []
let latencies: number[] = []
let crossed: number[] = []
let delivered = 0
let unexpected = 0
/** Flood mode: called when an update reached every reader of its document. */
let onComplete: ((writer: LoadClient) => void) | null = null

function onUpdate(doc: DocState, id: number, reader: LoadClient): void {
  const entry = doc.pending.get(id)
  if (!entry) {
    unexpected++
    return
  }
  delivered++
  latencies.push(now() - entry.sentAt)
  crossed.push(reader.port === entry.writer.port ? 0 : 1)
  if (--entry.remaining === 0) {
    doc.pending.delete(id)
    onComplete?.(entry.writer)
  }
}

function send(doc: DocState, writer: LoadClient): void {
  const sentAt = now()
  const id = writer.type('x')
  doc.pending.set(id, { sentAt, remaining: doc.plan.clients - 1, writer })
}

async function connect(command: Extract<Command, { cmd: 'connect' }>): Promise<{ clients: number; failed: number }> {
  const jobs: Array<() => Promise<void>> = []
  let failed = 0
  for (const plan of command.docs) {
    const doc: DocState = { plan, clients: [], writers: [], pending: new Map() }
    docs.push(doc)
    for (let i = 0; i < plan.clients; i++) {
      const writer = i < plan.writers
      jobs.push(async () => {
        const client = new LoadClient(command.target, command.ports[i % command.ports.length]!, plan.name, writer, (id, reader) => onUpdate(doc, id, reader))
        doc.clients.push(client)
        if (writer) doc.writers.push(client)
        await client.synced.catch(() => {
          failed++
        })
      })
    }
  }
  // A bounded number of handshakes at a time: a burst of thousands of SYNs
  // overflows the listen backlog and measures the kernel, not the server.
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(command.concurrency, jobs.length) }, async () => {
      while (next < jobs.length) await jobs[next++]!()
    }),
  )
  return { clients: jobs.length, failed }
}

/** Each writer types every `periodMs`, at its own phase, from `startAt` for `durationMs`. */
async function runRate(command: Extract<Command, { cmd: 'rate' }>): Promise<RunResult> {
  let sent = 0
  let expected = 0
  const end = command.startAt + command.durationMs
  const timers: Promise<void>[] = []
  for (const doc of docs) {
    doc.writers.forEach((writer, w) => {
      const phase = doc.plan.phases[w] ?? 0
      timers.push(
        new Promise<void>((resolve) => {
          let k = 0
          const tick = () => {
            const due = command.startAt + phase + k * command.periodMs
            if (due >= end) return resolve()
            const wait = due - now()
            if (wait > 0.5) {
              setTimeout(tick, wait)
              return
            }
            k++
            send(doc, writer)
            sent++
            expected += doc.plan.clients - 1
            tick()
          }
          tick()
        }),
      )
    })
  }
  await Promise.all(timers)
  await drain(command.drainMs)
  return result(sent, expected)
}

/**
 * Each writer keeps `window` updates in flight: it types again as soon as one
 * of its updates reached every reader. Counts only what completes before `durationMs`.
 */
async function runFlood(command: Extract<Command, { cmd: 'flood' }>): Promise<RunResult> {
  let sent = 0
  let completed = 0
  const end = command.startAt + command.durationMs
  let running = true
  const docOf = new Map<LoadClient, DocState>()
  for (const doc of docs) for (const w of doc.writers) docOf.set(w, doc)
  onComplete = (writer) => {
    if (!running) return
    completed++
    if (now() >= end) {
      running = false
      return
    }
    send(docOf.get(writer)!, writer)
    sent++
  }
  await new Promise((r) => setTimeout(r, Math.max(0, command.startAt - now())))
  for (const doc of docs) {
    for (const writer of doc.writers) {
      for (let i = 0; i < command.window; i++) {
        send(doc, writer)
        sent++
      }
    }
  }
  await new Promise((r) => setTimeout(r, Math.max(0, end - now())))
  running = false
  const expected = sent
  await drain(command.drainMs)
  onComplete = null
  return { ...result(sent, expected), completed }
}

function outstanding(): number {
  let n = 0
  for (const doc of docs) n += doc.pending.size
  return n
}

async function drain(ms: number): Promise<void> {
  const deadline = now() + ms
  while (outstanding() > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 20))
}

function result(sent: number, expected: number): RunResult {
  const out: RunResult = { sent, expected, delivered, unexpected, completed: 0, latencies: Float64Array.from(latencies), crossed: Uint8Array.from(crossed) }
  latencies = []
  crossed = []
  delivered = 0
  unexpected = 0
  for (const doc of docs) doc.pending.clear()
  return out
}

parentPort!.on('message', (command: Command) => {
  const reply = (message: unknown, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer)
  const fail = (err: unknown) => reply({ type: 'error', message: String((err as Error)?.stack ?? err) })
  switch (command.cmd) {
    case 'connect':
      connect(command).then((r) => reply({ type: 'connected', ...r }), fail)
      break
    case 'rate':
      runRate(command).then((r) => reply({ type: 'result', result: r }, [r.latencies.buffer as ArrayBuffer, r.crossed.buffer as ArrayBuffer]), fail)
      break
    case 'flood':
      runFlood(command).then((r) => reply({ type: 'result', result: r }, [r.latencies.buffer as ArrayBuffer, r.crossed.buffer as ArrayBuffer]), fail)
      break
    case 'close':
      for (const doc of docs) for (const c of doc.clients) c.close()
      docs = []
      reply({ type: 'closed' })
      break
    case 'transport':
      useTransport(command.transport)
      reply({ type: 'transport-set' })
      break
    case 'wire':
      reply({ type: 'wire', bytes: wireBytes() })
      break
  }
})
