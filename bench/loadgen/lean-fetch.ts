/**
 * The `fetch` the load generator hands to the fallback socket class for its
 * polls and uploads: the same undici connection pool and HTTP/1.1 client as
 * Node's fetch, through `Dispatcher.request` instead of the WHATWG layers
 * (Request, Headers, Response and web streams) that Node's fetch builds
 * around every request in JavaScript.
 *
 * Why: scenario 8 runs a dozen simulated browsers on one generator thread,
 * and each long-poll answer is one request. Node's fetch costs that thread
 * ~0.35 ms of CPU per request against ~0.06 ms here (a loopback micro-benchmark,
 * bench/README.md), so with 11 readers per update the last reader's delivery
 * waited ~4 ms for the other ten's fetch bookkeeping: a cost of the generator
 * sharing one thread, not one a browser (native fetch, one per user) pays.
 * The requests on the wire are the same: method, path, body, keep-alive, and
 * the request headers Node's fetch adds (FETCH_HEADERS), so the bytes counted
 * per request do not change.
 *
 * Only what client/sync/fallback-socket.ts uses of a Response is provided:
 * `status`, `ok`, `json()`, `arrayBuffer()`. Streams (`body.getReader()`)
 * still go through Node's fetch.
 */
import type { Dispatcher } from 'undici'

/** The part of a fetch Response the fallback socket reads from a poll or an upload. */
interface LeanResponse {
  status: number
  ok: boolean
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
}

/** What Node's fetch (undici 6) sends besides host, connection, content-type and content-length, with `cache: 'no-store'`. */
const FETCH_HEADERS = {
  accept: '*/*',
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'user-agent': 'undici',
  pragma: 'no-cache',
  'cache-control': 'no-cache',
  'accept-encoding': 'gzip, deflate',
}

/** A fetch for absolute http:// URLs over `dispatcher`. */
export function leanFetch(dispatcher: Dispatcher) {
  return async (input: string, init: RequestInit = {}): Promise<LeanResponse> => {
    const url = new URL(input)
    const { statusCode, body } = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: { ...(init.headers as Record<string, string> | undefined), ...FETCH_HEADERS },
      body: init.body as Uint8Array | undefined,
      signal: init.signal ?? undefined,
    })
    return {
      status: statusCode,
      ok: statusCode >= 200 && statusCode < 300,
      json: () => body.json(),
      arrayBuffer: () => body.arrayBuffer(),
    }
  }
}
