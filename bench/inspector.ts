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

/** A full collection of a relay holding thousands of clients takes well under a second; a minute is a hang. */
const CALL_TIMEOUT_MS = 60_000

export async function openInspector(port: number): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl, { perMessageDeflate: false })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let nextId = 1
  const waiting = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>()
  // A relay that dies (or a debugger connection that drops) fails the scenario instead of hanging it.
  const failAll = (why: string) => {
    for (const call of waiting.values()) call.reject(new Error(`inspector: ${why}`))
    waiting.clear()
  }
  ws.on('close', () => failAll('the connection to the relay closed'))
  ws.on('error', (err) => failAll(err.message))
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } }
    if (message.id === undefined) return
    const call = waiting.get(message.id)
    waiting.delete(message.id)
    if (message.error) call?.reject(new Error(`inspector: ${message.error.message}`))
    else call?.resolve(message.result)
  })
  const call = <T>(method: string): Promise<T> =>
    new Promise((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) return reject(new Error('inspector: not connected to the relay'))
      const id = nextId++
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`inspector: no answer to ${method} within ${CALL_TIMEOUT_MS / 1000} s`))
      }, CALL_TIMEOUT_MS)
      waiting.set(id, {
        resolve: (result) => {
          clearTimeout(timer)
          resolve(result as T)
        },
        reject: (err) => {
          clearTimeout(timer)
          reject(err)
        },
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
