/**
 * A WebSocket that still works behind a proxy that blocks WebSocket upgrades,
 * for the stock WebsocketProvider's `WebSocketPolyfill` option.
 *
 * It tries a real WebSocket first. When the upgrade fails, or no frame
 * arrives within a short timeout (the relay speaks first as soon as a peer
 * joins, so a healthy socket always hears something quickly), it
 * speaks the same y-websocket frames over plain HTTP (docs/protocol.md,
 * "HTTP fallback"): a server-sent-event stream down and POSTed batches up,
 * or long polls down when the stream yields nothing (a proxy that buffers
 * responses). Later connections try WebSocket again once a while has passed.
 *
 * Uploads are numbered and a failed POST is retried with the same numbers;
 * a dropped stream resumes with `after=`; so a brief network drop neither
 * loses nor repeats a frame. A session the relay no longer knows (404) or has
 * closed (410) ends with a close event, and the provider reconnects as it
 * would after any dropped socket. So does a relay that stays unreachable for
 * RELAY_LOST_AFTER_MS (closed with 1006, as a dropped socket is): the user
 * sees "offline" within seconds, not after the session's idle timeout.
 */
import { decodeFrameBatch, encodeFrameBatch } from '../../shared/frame-batch.js'
import { EventStreamReader, STREAM_KEEPALIVE_MS } from '../../shared/event-stream.js'
import { overHttp1, watchHttpVersion } from './http-version.js'

/** How frames travel: a real WebSocket, an SSE stream, or long polls. */
export type TransportKind = 'websocket' | 'streaming' | 'polling'

/** Which transport a connection settled on, and why it is not WebSocket. */
export interface TransportInfo {
  transport: TransportKind
  /** Null on WebSocket; otherwise a sentence for the user. */
  reason: string | null
}

export interface FallbackOptions {
  /** The real WebSocket class: the browser's by default, `ws`'s in Node. */
  WebSocket?: typeof WebSocket
  /** The fetch to use (the global one by default). */
  fetch?: typeof fetch
  /** Use only this transport (tests and benchmarks). */
  force?: TransportKind
  /**
   * Poll with `wait=0` once per this many ms instead of long polling: naive
   * short polling, kept only so the benchmark can compare against it.
   */
  shortPollIntervalMs?: number
  /** How long a WebSocket or a first stream may stay silent before the next transport is tried. */
  firstFrameTimeoutMs?: number
  /** After a fallback, how long new connections go straight to it before trying WebSocket again. */
  retryWebSocketAfterMs?: number
  /** Told each time a connection settles on a transport. */
  onTransport?(info: TransportInfo): void
}

/** The reason shown when the upgrade itself failed. */
export const UPGRADE_BLOCKED = 'your proxy does not forward WebSocket upgrades; see the README'
const SOCKET_SILENT = 'the WebSocket opened but no data came through (a proxy may hold it); see the README'
const STREAM_BUFFERED = 'your proxy buffers streamed responses, so updates arrive by polling; see the README'

/** Close codes the relay itself sends: passed on as they are, never a reason to fall back. */
const isRelayClose = (code: number) => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1015) || code >= 4000

/**
 * How long requests to the relay may keep failing at the network level
 * (refused, reset, timed out, or a 5xx from a proxy in front of it) before
 * the connection is given up with an abnormal close (1006): the provider then
 * reports it disconnected and reconnects with its backoff, and the new
 * session resyncs, so nothing is lost. Shorter failures are retried in the
 * same session, which resumes without loss or repeats.
 */
export const RELAY_LOST_AFTER_MS = 4_000
/** Pause between retries of a failed request. */
const RETRY_PAUSE_MS = 250
/**
 * How much later than due the relay may be before a request counts as
 * failed: a stream's headers (sent at once) or its next keep-alive, a long
 * poll's answer (at the latest after its poll timeout).
 */
const SILENCE_MARGIN_MS = 5_000
/**
 * How long the spare (second) long poll waits for a frame: it ends when it
 * comes back empty, so a session that goes idle soon holds one poll again.
 */
const SPARE_POLL_WAIT_MS = 2_000
/** How long an upload or a session's creation may take before it counts as failed. */
const REQUEST_TIMEOUT_MS = 20_000

/** Most frames and bytes (beyond the first frame) in one upload. */
const MAX_UPLOAD_FRAMES = 256
const MAX_UPLOAD_BYTES = 512 * 1024

const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3

/**
 * A WebSocket class bound to `options`. Connections made from one class share
 * what they learnt: after a fallback, the next ones skip the transports that
 * failed until `retryWebSocketAfterMs` has passed.
 */
export function fallbackWebSocket(options: FallbackOptions = {}): typeof WebSocket {
  const memory: { failedAt: number; skip: TransportKind[]; reason: string | null } = { failedAt: 0, skip: [], reason: null }
  const settings = {
    RealWebSocket: options.WebSocket ?? globalThis.WebSocket,
    fetch: options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)),
    force: options.force,
    shortPollIntervalMs: options.shortPollIntervalMs,
    firstFrameTimeoutMs: options.firstFrameTimeoutMs ?? 4_000,
    retryWebSocketAfterMs: options.retryWebSocketAfterMs ?? 60_000,
    onTransport: options.onTransport,
    memory,
  }
  return class extends FallbackSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, settings)
    }
  } as unknown as typeof WebSocket
}

interface Settings {
  RealWebSocket: typeof WebSocket
  fetch: typeof fetch
  force: TransportKind | undefined
  shortPollIntervalMs: number | undefined
  firstFrameTimeoutMs: number
  retryWebSocketAfterMs: number
  onTransport: ((info: TransportInfo) => void) | undefined
  memory: { failedAt: number; skip: TransportKind[]; reason: string | null }
}

type Handler<E extends Event> = ((this: FallbackSocket, event: E) => unknown) | null

/** The connection itself; use `fallbackWebSocket()` to get a class the provider can construct. */
export class FallbackSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING
  static readonly OPEN = OPEN
  static readonly CLOSING = CLOSING
  static readonly CLOSED = CLOSED
  readonly CONNECTING = CONNECTING
  readonly OPEN = OPEN
  readonly CLOSING = CLOSING
  readonly CLOSED = CLOSED

  readonly url: string
  readonly protocol = ''
  readonly extensions = ''
  binaryType: BinaryType = 'arraybuffer'
  readyState: number = CONNECTING
  onopen: Handler<Event> = null
  onmessage: Handler<MessageEvent> = null
  onclose: Handler<Event> = null
  onerror: Handler<Event> = null

  /** The transport in use once open (null while connecting). */
  transport: TransportKind | null = null
  /** Why this connection is not on WebSocket (null when it is). */
  fallbackReason: string | null = null

  private readonly settings: Settings
  private readonly protocols: string | string[] | undefined
  private ws: WebSocket | null = null
  private done = false
  private timer: ReturnType<typeof setTimeout> | null = null
  /** Why the previous transport was given up, shown once a fallback settles. */
  private pendingReason: string | null = null
  /** Transports this connection found blocked, remembered once a fallback works (not when the relay is simply down). */
  private blocked: TransportKind[] | null = null
  // HTTP session state.
  private sessionUrl: string | null = null
  private idleTimeoutMs = 30_000
  private pollTimeoutMs = 25_000
  /** How often the relay writes a keep-alive on an idle stream (relays before it was announced: the default). */
  private keepAliveMs = STREAM_KEEPALIVE_MS
  /** Long polls the relay lets one session park at once (1 for relays before queued polls). */
  private maxParkedPolls = 1
  private reader: AbortController | null = null
  /** How the session is read: a stream, or polls. */
  private reading: 'streaming' | 'polling' = 'streaming'
  /** The last relay frame number received. */
  private lastSeq = 0
  /** Uploads not yet confirmed, numbered from 1. */
  private readonly outbox: { seq: number; frame: Uint8Array }[] = []
  private outboxBytes = 0
  private nextSeq = 1
  private posting = false
  private flushQueued = false
  /** When the relay last answered anything (to give up after its idle timeout). */
  private lastHeard = Date.now()
  /** Since when every request has failed (null while the relay answers). */
  private failingSince: number | null = null

  constructor(url: string | URL, protocols: string | string[] | undefined, settings: Settings) {
    super()
    this.url = String(url)
    this.protocols = protocols
    this.settings = settings
    const plan = this.plan()
    if (plan === 'websocket') this.tryWebSocket()
    else void this.startHttp(plan)
  }

  get bufferedAmount(): number {
    return this.ws ? this.ws.bufferedAmount : this.outboxBytes
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState === CONNECTING) throw new DOMException('still connecting', 'InvalidStateError')
    if (this.readyState !== OPEN) return
    if (this.transport === 'websocket') return this.ws!.send(data)
    const frame = toBytes(data)
    this.outbox.push({ seq: this.nextSeq++, frame })
    this.outboxBytes += frame.byteLength
    // Frames sent in one tick (a sync reply and an awareness update) share one POST.
    if (!this.flushQueued) {
      this.flushQueued = true
      queueMicrotask(() => {
        this.flushQueued = false
        void this.flush()
      })
    }
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return
    this.readyState = CLOSING
    if (this.ws && this.transport === 'websocket') return this.ws.close(code, reason)
    // Leave the room at once (presence disappears), after what is still unsent.
    const session = this.sessionUrl
    this.stopReading()
    if (session) void this.flush().finally(() => this.request(session, { method: 'DELETE', keepalive: true }).catch(() => undefined))
    setTimeout(() => this.finish(code, reason), 0)
  }

  /** The first transport to try, from the options and what earlier connections learnt. */
  private plan(): TransportKind {
    const { force, memory, retryWebSocketAfterMs } = this.settings
    if (force) return force
    if (memory.skip.length > 0 && Date.now() - memory.failedAt < retryWebSocketAfterMs) {
      this.pendingReason = memory.reason
      return memory.skip.includes('streaming') ? 'polling' : 'streaming'
    }
    return 'websocket'
  }

  private tryWebSocket(): void {
    const ws = new this.settings.RealWebSocket(this.url, this.protocols)
    ws.binaryType = 'arraybuffer'
    this.ws = ws
    let opened = false
    let heard = false
    const giveUp = (reason: string) => {
      this.clearTimer()
      detach(ws)
      if (ws.readyState === CONNECTING || ws.readyState === OPEN) ws.close()
      this.ws = null
      // Forced to WebSocket means no fallback: a failed upgrade is a failed connection.
      if (this.readyState !== CONNECTING || this.settings.force) return this.finish(1006, reason)
      this.pendingReason = reason
      this.blocked = ['websocket']
      void this.startHttp('streaming')
    }
    // Forced: a slow first frame (a loaded relay) is waited for, as a stream's is.
    if (!this.settings.force) this.timer = setTimeout(() => giveUp(SOCKET_SILENT), this.settings.firstFrameTimeoutMs)
    ws.onopen = () => {
      opened = true
    }
    ws.onmessage = (event: MessageEvent) => {
      if (this.done) return
      if (!heard) {
        // Open only now: a socket that opens but carries nothing is no use.
        heard = true
        this.clearTimer()
        this.settle('websocket')
      }
      this.emit(new MessageEvent('message', { data: event.data }))
    }
    ws.onerror = () => {
      if (heard) this.emit(new Event('error'))
    }
    ws.onclose = (event: CloseEvent) => {
      if (heard || this.readyState !== CONNECTING || (opened && isRelayClose(event.code))) {
        this.clearTimer()
        return this.finish(event.code, event.reason, event.wasClean)
      }
      giveUp(opened ? SOCKET_SILENT : UPGRADE_BLOCKED)
    }
  }

  /** Opens an HTTP session and reads it by `kind`. */
  private async startHttp(kind: TransportKind): Promise<void> {
    const target = httpUrls(this.url)
    if (!target) return this.finish(1006, 'no HTTP fallback for this URL')
    watchHttpVersion()
    let res: Response
    try {
      res = await this.settings.fetch(`${target.sessions}${target.search}`, { method: 'POST', cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    } catch {
      return this.finish(1006, 'could not reach the relay')
    }
    if (this.done || this.readyState !== CONNECTING) {
      if (res.ok) {
        const body = (await res.json().catch(() => ({}))) as { session?: string }
        if (body.session) void this.request(`${target.sessions}/${body.session}`, { method: 'DELETE' }).catch(() => undefined)
      }
      return
    }
    const body = (await res.json().catch(() => ({}))) as {
      session?: string
      idleTimeoutMs?: number
      pollTimeoutMs?: number
      maxParkedPolls?: number
      keepAliveMs?: number
      error?: string
      code?: number
    }
    if (res.status !== 201 || !body.session) {
      // The same refusals a socket would get: limits as their close codes, the rest as a failed connection.
      return this.finish(typeof body.code === 'number' ? body.code : 1006, body.error ?? `HTTP ${res.status}`)
    }
    this.sessionUrl = `${target.sessions}/${body.session}`
    if (body.idleTimeoutMs) this.idleTimeoutMs = body.idleTimeoutMs
    if (body.pollTimeoutMs) this.pollTimeoutMs = body.pollTimeoutMs
    if (body.maxParkedPolls) this.maxParkedPolls = body.maxParkedPolls
    if (body.keepAliveMs) this.keepAliveMs = body.keepAliveMs
    this.heard()
    if (kind === 'polling') return this.poll()
    if (!this.settings.force) {
      // A proxy that buffers the stream delivers nothing: switch to polling, same session.
      this.timer = setTimeout(() => {
        this.timer = null
        if (this.readyState !== CONNECTING || this.done) return
        this.pendingReason = STREAM_BUFFERED
        this.blocked = ['websocket', 'streaming']
        this.stopReading()
        void this.poll()
      }, this.settings.firstFrameTimeoutMs)
    }
    return this.stream()
  }

  /** Reads the SSE stream, resuming after the last frame until the session ends. */
  private async stream(): Promise<void> {
    this.reading = 'streaming'
    while (!this.done && this.readyState !== CLOSING) {
      const reader = new AbortController()
      this.reader = reader
      // The relay sends the headers at once, then a keep-alive at least every keepAliveMs:
      // a stream silent for longer is lost (a relay that hangs, a network that drops packets).
      let silent = false
      const watchdog = new Watchdog(SILENCE_MARGIN_MS, () => {
        silent = true
        reader.abort()
      })
      let failed: boolean
      try {
        const res = await this.request(`${this.sessionUrl}/stream?after=${this.lastSeq}`, {
          signal: reader.signal,
          headers: { accept: 'text/event-stream' },
        })
        if (!(await this.readable(res))) return
        watchdog.kick(this.keepAliveMs + SILENCE_MARGIN_MS)
        // The relay ends a stream now and then (the next one acknowledges); one that ends empty-handed is a failure.
        const carried = await this.readEvents(res, reader, watchdog)
        failed = silent || (!carried && !reader.signal.aborted)
      } catch {
        failed = silent || !reader.signal.aborted
      } finally {
        watchdog.stop()
      }
      if (failed) {
        if (!(await this.retryLater())) return
        continue
      }
      if (reader.signal.aborted) return
    }
  }

  /** Reads one stream response to its end; true when it carried anything. */
  private async readEvents(res: Response, reader: AbortController, watchdog: Watchdog): Promise<boolean> {
    const body = res.body!.getReader()
    const decoder = new TextDecoder()
    const events = new EventStreamReader()
    let heard = false
    for (;;) {
      const { done, value } = await body.read()
      if (done || reader.signal.aborted) return heard
      heard = true
      watchdog.kick()
      this.heard()
      for (const event of events.push(decoder.decode(value, { stream: true }))) {
        if (reader.signal.aborted) return true
        if (event.kind === 'close') {
          this.finish(event.code, event.reason)
          return true
        }
        this.deliver(event.seq, event.frame)
      }
    }
  }

  /**
   * Long polls until the session ends. While frames are flowing, two polls
   * are kept outstanding when the relay allows it: while the answer to one
   * is on its way and its replacement is not yet at the relay, the other is
   * parked there, so a frame never waits for a round trip. An idle session
   * keeps one (the spare ends when its poll times out empty). Short polling
   * (`shortPollIntervalMs`) asks with `wait=0` once per interval instead.
   */
  private async poll(): Promise<void> {
    this.reading = 'polling'
    const twoLanes = !this.settings.shortPollIntervalMs && this.maxParkedPolls >= 2
    while (!this.done && this.readyState !== CLOSING) {
      const round = new AbortController()
      this.reader = round
      const spares: Promise<PollOutcome>[] = []
      let spareRunning = false
      // The spare starts once a poll of the main lane (whose first replaces any left from before) carried frames.
      const startSpare = () => {
        if (!twoLanes || spareRunning || round.signal.aborted) return
        spareRunning = true
        spares.push(this.pollLane(round, true, null, true).finally(() => (spareRunning = false)))
      }
      const outcomes = [await this.pollLane(round, false, startSpare)]
      for (const spare of spares) outcomes.push(await spare)
      if (!outcomes.includes('failed') || this.done || this.reader !== round) return
      if (!(await this.retryLater())) return
    }
  }

  /**
   * One chain of polls, each sent once the previous one was answered and its
   * frames delivered; `carried` is told of every answer with frames. A
   * network failure aborts the whole round (the other lane too); the next
   * round starts with a plain poll, which the relay answers with everything
   * unacknowledged. The `spare` lane ends after an empty answer.
   */
  private async pollLane(round: AbortController, queued: boolean, carried: (() => void) | null, spare = false): Promise<PollOutcome> {
    const interval = this.settings.shortPollIntervalMs
    while (!this.done && this.readyState !== CLOSING && !round.signal.aborted) {
      // Over HTTP/1.x a browser has six connections per host for all its tabs: one poll each is enough.
      if (spare && overHttp1(this.sessionUrl!)) return 'ended'
      const started = Date.now()
      // While requests fail, ask for an answer at once: a relay that is back says so without a poll's wait.
      const atOnce = !!interval || this.failingSince !== null
      const waitMs = atOnce ? 0 : spare ? Math.min(SPARE_POLL_WAIT_MS, this.pollTimeoutMs) : this.pollTimeoutMs
      // The relay answers a long poll within its wait: one that takes much longer is lost.
      let late = false
      const watchdog = new Watchdog(waitMs + SILENCE_MARGIN_MS, () => {
        late = true
        round.abort()
      })
      let frames = 0
      try {
        const query = `after=${this.lastSeq}${waitMs < this.pollTimeoutMs ? `&wait=${waitMs}` : ''}${queued ? '&queue=1' : ''}`
        const res = await this.request(`${this.sessionUrl}/poll?${query}`, { signal: round.signal })
        if (!(await this.readable(res))) return 'ended'
        const batch = decodeFrameBatch(new Uint8Array(await res.arrayBuffer()))
        this.heard()
        // Answers can overlap (two polls) but never skip: a batch starts at most one past what was delivered.
        if (batch.frames.length > 0 && batch.firstSeq > this.lastSeq + 1) throw new Error(`poll answer starts at ${batch.firstSeq}, after ${this.lastSeq}`)
        batch.frames.forEach((frame, i) => !round.signal.aborted && this.deliver(batch.firstSeq + i, frame))
        frames = batch.frames.length
      } catch {
        if (round.signal.aborted && !late) return 'ended'
        round.abort()
        return 'failed'
      } finally {
        watchdog.stop()
      }
      if (round.signal.aborted) return 'ended'
      if (frames > 0) carried?.()
      else if (spare) return 'ended'
      if (interval) await pause(started + interval - Date.now(), round.signal)
      // Every later poll parks behind the other lane's. The other poll is parked already, so the next
      // one is asked for after the frames just delivered are handled (and any other answer that is ready).
      else if (this.maxParkedPolls > 1) {
        queued = true
        await pause(0, round.signal, true)
      }
    }
    return 'ended'
  }

  /**
   * True when a stream or poll answer carries frames; otherwise ends the
   * connection as the relay says (404: session gone, 410: closed with a code).
   */
  private async readable(res: Response): Promise<boolean> {
    if (res.ok) return true
    if (res.status === 404 || res.status === 410) {
      const body = (await res.json().catch(() => ({}))) as { code?: number; reason?: string; error?: string }
      this.finish(body.code ?? 1006, body.reason ?? body.error ?? 'session expired')
      return false
    }
    throw new Error(`HTTP ${res.status}`)
  }

  /** The relay answered: it is reachable. */
  private heard(): void {
    this.lastHeard = Date.now()
    this.failingSince = null
  }

  /**
   * Waits a little before retrying a failed request; false (having closed
   * the connection as a dropped socket, 1006) once requests have failed for
   * RELAY_LOST_AFTER_MS, or the relay has surely dropped the session.
   */
  private async retryLater(): Promise<boolean> {
    const now = Date.now()
    this.failingSince ??= now
    if (now - this.failingSince >= RELAY_LOST_AFTER_MS || now - this.lastHeard > this.idleTimeoutMs) {
      this.finish(1006, 'lost the connection to the relay', false)
      return false
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS))
    return !this.done
  }

  /** Hands one relay frame to the provider, once, in order. */
  private deliver(seq: number, frame: Uint8Array): void {
    if (seq <= this.lastSeq || this.done) return
    this.lastSeq = seq
    if (this.readyState === CONNECTING) {
      this.clearTimer()
      this.settle(this.reading)
    }
    const data = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength)
    this.emit(new MessageEvent('message', { data }))
  }

  /** Uploads the outbox in numbered batches, one POST at a time, retrying with the same numbers. */
  private async flush(): Promise<void> {
    if (this.posting) return
    this.posting = true
    try {
      while (this.outbox.length > 0 && this.sessionUrl && !this.done) {
        if (!(await this.upload())) return
      }
    } finally {
      this.posting = false
    }
  }

  /** One POST of the oldest unconfirmed frames; false once the connection has ended. */
  private async upload(): Promise<boolean> {
    const batch: Uint8Array[] = []
    let bytes = 0
    for (const { frame } of this.outbox) {
      if (batch.length > 0 && (batch.length >= MAX_UPLOAD_FRAMES || bytes + frame.byteLength > MAX_UPLOAD_BYTES)) break
      batch.push(frame)
      bytes += frame.byteLength
    }
    let res: Response
    let body: { applied?: number; code?: number; reason?: string; error?: string }
    try {
      res = await this.request(`${this.sessionUrl}/frames`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: encodeFrameBatch(this.outbox[0]!.seq, batch) as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
      body = (await res.json()) as typeof body
    } catch {
      // Same frames, same numbers: the relay applies each once however often it sees it.
      return this.retryLater()
    }
    if (res.status === 200 || res.status === 409) {
      // 409: the relay missed earlier frames; the outbox still holds them from `applied` on.
      this.heard()
      this.confirm(body.applied ?? 0)
      return true
    }
    if (res.status >= 500) return this.retryLater()
    const fallbackCode = res.status === 413 ? 1009 : res.status === 400 ? 1007 : 1006
    this.finish(body.code ?? fallbackCode, body.reason ?? body.error ?? `HTTP ${res.status}`)
    return false
  }

  /** The relay applied every upload up to `applied`. */
  private confirm(applied: number): void {
    while (this.outbox.length > 0 && this.outbox[0]!.seq <= applied) this.outboxBytes -= this.outbox.shift()!.frame.byteLength
  }

  /** The connection is open on `kind`. */
  private settle(kind: TransportKind): void {
    this.transport = kind
    this.fallbackReason = kind === 'websocket' ? null : (this.pendingReason ?? (this.settings.force ? `forced to ${kind}` : null))
    if (kind === 'websocket' && !this.settings.force) this.settings.memory.skip = []
    else if (this.blocked && this.pendingReason) this.remember(this.blocked, this.pendingReason)
    this.readyState = OPEN
    const info: TransportInfo = { transport: kind, reason: this.fallbackReason }
    this.settings.onTransport?.(info)
    this.dispatchEvent(Object.assign(new Event('transport'), info))
    this.emit(new Event('open'))
  }

  private remember(skip: TransportKind[], reason: string): void {
    if (this.settings.force) return
    Object.assign(this.settings.memory, { failedAt: Date.now(), skip, reason })
  }

  private request(url: string, init: RequestInit): Promise<Response> {
    return this.settings.fetch(url, { cache: 'no-store', ...init })
  }

  private stopReading(): void {
    this.clearTimer()
    this.reader?.abort()
    this.reader = null
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Ends the connection and tells the provider (once). */
  private finish(code: number, reason: string, wasClean = true): void {
    if (this.done) return
    this.done = true
    this.readyState = CLOSED
    this.stopReading()
    if (this.ws) {
      detach(this.ws)
      if (this.ws.readyState === CONNECTING || this.ws.readyState === OPEN) this.ws.close()
    }
    const event = Object.assign(new Event('close'), { code, reason, wasClean })
    this.emit(event)
  }

  private emit(event: Event): void {
    this.dispatchEvent(event)
    const handler = (this as unknown as Record<string, unknown>)[`on${event.type}`]
    if (typeof handler === 'function') handler.call(this, event)
  }
}

/** Calls `expired` unless kicked within `ms` of its start or of the last kick. */
class Watchdog {
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private ms: number,
    private readonly expired: () => void,
  ) {
    this.kick()
  }

  /** Restarts the countdown (with a new length when given). */
  kick(ms = this.ms): void {
    this.stop()
    this.ms = ms
    this.timer = setTimeout(this.expired, ms)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}

/** How a chain of polls ended: the connection ended or was stopped, or the network failed. */
type PollOutcome = 'ended' | 'failed'

/** Resolves after `ms` (with `yieldTurn`, in a later turn of the event loop even for 0), or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal, yieldTurn = false): Promise<void> {
  if ((ms <= 0 && !yieldTurn) || signal.aborted) return Promise.resolve()
  // One turn (after every poll answer): too short to need the abort listener, which costs more than the timer.
  if (ms <= 0) return new Promise((resolve) => setTimeout(resolve, 0))
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Stops a socket from reaching the provider; errors are swallowed (Node rethrows unhandled ones). */
function detach(ws: WebSocket): void {
  ws.onopen = null
  ws.onmessage = null
  ws.onclose = null
  ws.onerror = () => undefined
}

/** `ws(s)://host/prefix/ws/<doc>?q` -> `http(s)://host/prefix/http/<doc>/sessions` and `?q`. */
function httpUrls(wsUrl: string): { sessions: string; search: string } | null {
  const url = new URL(wsUrl)
  const match = /^(.*)\/ws\/([^/]+)$/.exec(url.pathname)
  if (!match) return null
  const protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol
  return { sessions: `${protocol}//${url.host}${match[1]}/http/${match[2]}/sessions`, search: url.search }
}

function toBytes(data: string | ArrayBufferLike | Blob | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0))
  throw new TypeError('Blob frames are not supported')
}
