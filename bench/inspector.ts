/**
 * A child started with `--inspect=127.0.0.1:<port>`, driven over the
 * DevTools protocol: a full garbage collection before memory is read, and
 * the JavaScript heap in use, so a per-client memory figure is not at the
 * mercy of when V8 last collected.
 */
import WebSocket from 'ws'

export interface Inspector {
  /** A full garbage collection in the child. */
  collectGarbage(): Promise<void>
  /** Bytes of JavaScript heap in use. */
  heapUsed(): Promise<number>
  close(): void
}

export async function openInspector(port: number): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let nextId = 1
  const waiting = new Map<number, (result: unknown) => void>()
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown }
    if (message.id !== undefined) waiting.get(message.id)?.(message.result)
  })
  const call = <T>(method: string): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++
      waiting.set(id, (result) => {
        waiting.delete(id)
        resolve(result as T)
      })
      ws.send(JSON.stringify({ id, method }))
    })
  await call('HeapProfiler.enable')
  return {
    collectGarbage: async () => void (await call('HeapProfiler.collectGarbage')),
    heapUsed: async () => (await call<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize,
    close: () => ws.close(),
  }
}
