/**
 * The load generator's lean fetch (bench/loadgen/lean-fetch.ts) stands in for
 * Node's fetch in scenario 8: it must put the same requests on the wire (so
 * bytes per update stay comparable) and answer what the fallback socket reads.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, fetch as undiciFetch } from 'undici'
import { leanFetch } from '../../bench/loadgen/lean-fetch.js'

interface Seen {
  method: string
  url: string
  rawHeaders: string[]
  body: Buffer
}

/** A server that records each request and answers a fixed status and body; `hold` paths never answer. */
async function recordingServer() {
  const seen: Seen[] = []
  const requests = new EventEmitter()
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) })
      requests.emit('request', req.url)
      if (req.url === '/hold') return
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ applied: 3 }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { seen, requests, origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** Request headers with the per-connection port taken out of `host`. */
const headersOf = (seen: Seen) => seen.rawHeaders.map((value, i) => (seen.rawHeaders[i - 1]?.toLowerCase() === 'host' ? 'host' : value))

test('the lean fetch sends the same request line, headers and body as Node\'s fetch', async () => {
  const server = await recordingServer()
  const agent = new Agent()
  try {
    const lean = leanFetch(agent)
    const poll = { cache: 'no-store' } as const
    const upload = { method: 'POST', cache: 'no-store', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([1, 2, 3]) } as const
    await (await undiciFetch(`${server.origin}/poll?after=2&queue=1`, { ...poll, dispatcher: agent })).arrayBuffer()
    await (await lean(`${server.origin}/poll?after=2&queue=1`, poll)).arrayBuffer()
    await (await undiciFetch(`${server.origin}/frames`, { ...upload, dispatcher: agent })).json()
    await (await lean(`${server.origin}/frames`, upload)).json()
    const [fetchPoll, leanPoll, fetchUpload, leanUpload] = server.seen
    for (const [viaFetch, viaLean] of [[fetchPoll!, leanPoll!], [fetchUpload!, leanUpload!]] as const) {
      assert.equal(viaLean.method, viaFetch.method)
      assert.equal(viaLean.url, viaFetch.url)
      assert.deepEqual(headersOf(viaLean), headersOf(viaFetch))
      assert.deepEqual(viaLean.body, viaFetch.body)
    }
    assert.deepEqual([...leanUpload!.body], [1, 2, 3])
  } finally {
    await agent.close()
    await server.close()
  }
})

test('the lean fetch answers status, ok, json and arrayBuffer, and its signal aborts a request', async () => {
  const server = await recordingServer()
  const agent = new Agent()
  try {
    const lean = leanFetch(agent)
    const ok = await lean(`${server.origin}/frames`, { method: 'POST', body: new Uint8Array([7]) })
    assert.equal(ok.status, 200)
    assert.equal(ok.ok, true)
    assert.deepEqual(await ok.json(), { applied: 3 })
    const missing = await lean(`${server.origin}/missing`)
    assert.equal(missing.status, 404)
    assert.equal(missing.ok, false)
    assert.equal(new TextDecoder().decode(await missing.arrayBuffer()), '{"applied":3}')
    const abort = new AbortController()
    const arrived = once(server.requests, 'request')
    const held = lean(`${server.origin}/hold`, { signal: abort.signal })
    // Abort once the server has the request, so it is a request in flight that is cut.
    assert.deepEqual(await arrived, ['/hold'])
    abort.abort()
    await assert.rejects(held, { name: 'AbortError' })
  } finally {
    await agent.destroy()
    await server.close()
  }
})
