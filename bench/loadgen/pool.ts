/**
 * The load generator's main-thread side: a few worker threads, each owning
 * whole documents, driven in lock step. Spreading clients over workers keeps
 * the generator from being the bottleneck on a small machine; its own CPU
 * time is reported next to the server's.
 */
import { Worker } from 'node:worker_threads'
import type { Target } from '../wire.js'
import type { Command, DocPlan, Reply, RunResult } from './messages.js'
import type { ClientTransport, WireBytes } from './transports.js'

export class LoadPool {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `size` workers. */
  static start(size: number): LoadPool {
    const url = new URL('./worker-entry.mjs', import.meta.url)
    return new LoadPool(Array.from({ length: size }, () => new Worker(url)))
  }

  /**
   * Opens every client of `docs` (documents dealt round-robin to workers) and
   * waits until all synced. With several ports, client i of each document goes
   * to `ports[i % ports.length]`, so writers and readers sit on every relay.
   */
  async connect(target: Target, port: number | number[], docs: DocPlan[], concurrency = 64): Promise<{ clients: number; failed: number }> {
    const shares = this.workers.map(() => [] as DocPlan[])
    docs.forEach((doc, i) => shares[i % shares.length]!.push(doc))
    const replies = await Promise.all(
      this.workers.map((w, i) => ask(w, { cmd: 'connect', target, ports: Array.isArray(port) ? port : [port], docs: shares[i]!, concurrency })),
    )
    let clients = 0
    let failed = 0
    for (const r of replies) if (r.type === 'connected') (clients += r.clients), (failed += r.failed)
    return { clients, failed }
  }

  /** Runs a 'rate' or 'flood' command on every worker and merges the results. */
  async run(command: Extract<Command, { cmd: 'rate' | 'flood' }>): Promise<RunResult> {
    const replies = await Promise.all(this.workers.map((w) => ask(w, command)))
    const results = replies.map((r) => (r as Extract<Reply, { type: 'result' }>).result)
    const total = results.reduce((n, r) => n + r.latencies.length, 0)
    const latencies = new Float64Array(total)
    let at = 0
    const crossed = new Uint8Array(total)
    for (const r of results) {
      latencies.set(r.latencies, at)
      crossed.set(r.crossed, at)
      at += r.latencies.length
    }
    const sum = (key: 'sent' | 'expected' | 'delivered' | 'unexpected' | 'completed') => results.reduce((n, r) => n + r[key], 0)
    return { sent: sum('sent'), expected: sum('expected'), delivered: sum('delivered'), unexpected: sum('unexpected'), completed: sum('completed'), latencies, crossed }
  }

  /** Closes every client (the workers stay up for the next server). */
  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((w) => ask(w, { cmd: 'close' })))
  }

  /** The transport of every client connected from now on (null: plain `ws`). */
  async useTransport(transport: ClientTransport | null): Promise<void> {
    await Promise.all(this.workers.map((w) => ask(w, { cmd: 'transport', transport })))
  }

  /** Bytes the transport clients of every worker have read and written so far. */
  async wireBytes(): Promise<WireBytes> {
    const replies = await Promise.all(this.workers.map((w) => ask(w, { cmd: 'wire' })))
    const total = { read: 0, written: 0 }
    for (const r of replies) if (r.type === 'wire') (total.read += r.bytes.read), (total.written += r.bytes.written)
    return total
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

function ask(worker: Worker, command: Command): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: Reply) => {
      worker.off('error', reject)
      if (reply.type === 'error') reject(new Error(`load worker: ${reply.message}`))
      else resolve(reply)
    }
    worker.once('message', onMessage)
    worker.once('error', reject)
    worker.postMessage(command)
  })
}
