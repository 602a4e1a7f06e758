/**
 * The server-sent-event framing of the HTTP fallback's download stream
 * (docs/protocol.md, "HTTP fallback"): each relay frame is one event whose id
 * is its sequence number and whose data is the frame in base64; the relay's
 * close is an event named `close` with JSON data. Comment lines keep idle
 * connections open through proxies.
 *
 * Pure functions over text, used by the relay (writing) and the client
 * (reading the body of a fetch, since Node has no EventSource).
 */
import { fromBase64, toBase64 } from 'lib0/buffer'

/** One event of the stream, as read. */
export type StreamEvent =
  | { kind: 'frame'; seq: number; frame: Uint8Array }
  | { kind: 'close'; code: number; reason: string }

/** The event carrying relay frame number `seq`. */
export function encodeFrameEvent(seq: number, frame: Uint8Array): string {
  return `id: ${seq}\ndata: ${toBase64(frame)}\n\n`
}

/** The last event of a stream the relay closed. */
export function encodeCloseEvent(code: number, reason: string): string {
  return `event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`
}

/** A comment: ignored by readers, keeps proxies from timing the stream out. */
export const KEEPALIVE_COMMENT = ': keepalive\n\n'

/** How often the relay writes KEEPALIVE_COMMENT on an idle stream; a stream silent for much longer is lost. */
export const STREAM_KEEPALIVE_MS = 15_000

/**
 * Reads events from text arriving in arbitrary pieces: `push` returns the
 * events completed by that piece and keeps the unfinished rest.
 * Comments and events without a usable frame are skipped.
 */
export class EventStreamReader {
  private buffered = ''

  push(text: string): StreamEvent[] {
    this.buffered += text
    const events: StreamEvent[] = []
    let end
    while ((end = this.buffered.indexOf('\n\n')) !== -1) {
      const block = this.buffered.slice(0, end)
      this.buffered = this.buffered.slice(end + 2)
      const event = parseBlock(block)
      if (event) events.push(event)
    }
    return events
  }
}

function parseBlock(block: string): StreamEvent | null {
  let id = 0
  let name = 'message'
  let data = ''
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') id = Number(value)
    else if (field === 'event') name = value
    else if (field === 'data') data += value
  }
  if (name === 'close') {
    try {
      const { code, reason } = JSON.parse(data) as { code: unknown; reason: unknown }
      return { kind: 'close', code: typeof code === 'number' ? code : 1006, reason: typeof reason === 'string' ? reason : '' }
    } catch {
      return { kind: 'close', code: 1006, reason: 'unreadable close event' }
    }
  }
  if (!Number.isSafeInteger(id) || id < 1 || data === '') return null
  return { kind: 'frame', seq: id, frame: fromBase64(data) }
}
