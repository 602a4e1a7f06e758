/**
 * Raw HTTP fallback sessions for tests: the wire of docs/protocol.md
 * ("HTTP fallback") spoken with fetch, byte for byte.
 */
import { decodeFrameBatch, encodeFrameBatch, type FrameBatch } from '../../shared/frame-batch.js'
import { EventStreamReader, type StreamEvent } from '../../shared/event-stream.js'

export interface RawSession {
  base: string
  id: string
}

/** POST /http/<doc>/sessions; throws unless 201. */
export async function openSession(port: number, doc: string, query = ''): Promise<RawSession> {
  const res = await fetch(`http://127.0.0.1:${port}/http/${doc}/sessions${query}`, { method: 'POST' })
  if (res.status !== 201) throw new Error(`session refused: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { session: string }
  return { base: `http://127.0.0.1:${port}/http/${doc}/sessions/${body.session}`, id: body.session }
}

/** POSTs `frames` numbered from `firstSeq` (or raw bytes); the status and JSON answer. */
export async function postFrames(
  session: RawSession,
  firstSeq: number,
  frames: Uint8Array[] | Uint8Array,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = Array.isArray(frames) ? encodeFrameBatch(firstSeq, frames) : frames
  const res = await fetch(`${session.base}/frames`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: body as Uint8Array<ArrayBuffer>,
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

/** GET .../poll?after=n (wait=0 unless `wait`); the batch, or the status and JSON of a refusal. */
export async function poll(
  session: RawSession,
  after: number,
  wait = false,
): Promise<{ status: 200; batch: FrameBatch } | { status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${session.base}/poll?after=${after}${wait ? '' : '&wait=0'}`)
  if (res.status !== 200) return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  return { status: 200, batch: decodeFrameBatch(new Uint8Array(await res.arrayBuffer())) }
}

/** Polls until a batch holds at least one frame; its frames. */
export async function pollFrames(session: RawSession, after: number): Promise<FrameBatch> {
  const answer = await poll(session, after, true)
  if (answer.status !== 200 || !('batch' in answer)) throw new Error(`poll failed: ${answer.status}`)
  return answer.batch
}

/**
 * Opens GET .../stream?after=n and yields its events as they arrive; `abort`
 * drops the connection like a lost network would.
 */
export async function openStream(session: RawSession, after: number): Promise<{ events: AsyncGenerator<StreamEvent>; abort(): void; status: number }> {
  const controller = new AbortController()
  const res = await fetch(`${session.base}/stream?after=${after}`, { signal: controller.signal })
  async function* events(): AsyncGenerator<StreamEvent> {
    const decoder = new TextDecoder()
    const reader = new EventStreamReader()
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        yield* reader.push(decoder.decode(chunk, { stream: true }))
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err
    }
  }
  return { events: events(), abort: () => controller.abort(), status: res.status }
}
