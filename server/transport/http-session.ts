/**
 * One HTTP fallback session as a connection's transport (docs/protocol.md,
 * "HTTP fallback"). Relay -> client frames are numbered 1, 2, 3, ... and kept
 * until the client acknowledges them with `after=` on its next stream or
 * poll, so a dropped response is resent, never lost, and never repeated.
 * Client -> relay frames carry the client's numbers; only frames newer than
 * the last applied one are applied, so a retried upload is applied once.
 */
import type { ServerResponse } from 'node:http'
import { decodeMessage, CloseCode } from '../../shared/protocol.js'
import { encodeFrameBatch, type FrameBatch } from '../../shared/frame-batch.js'
import { encodeCloseEvent, encodeFrameEvent, KEEPALIVE_COMMENT } from '../../shared/event-stream.js'
import type { Connection, Transport } from '../relay/connection.js'

/** How often an idle stream carries a comment, so proxies keep it open. */
const KEEPALIVE_MS = 15_000
/**
 * A stream is ended (and resumed by the client with `after=`, which
 * acknowledges) once it carried this many unacknowledged bytes, so a
 * long-lived stream does not keep every frame it ever sent.
 */
const STREAM_ROTATE_BYTES = 1024 * 1024

/** Why the relay closed the session, as the client is told. */
export interface SessionClose {
  code: number
  reason: string
}

/** What an upload answered: an HTTP status and its JSON body. */
export interface UploadResult {
  status: number
  body: Record<string, unknown>
}

type Reader =
  | { kind: 'stream'; res: ServerResponse; keepalive: NodeJS.Timeout; opened: number }
  | { kind: 'poll'; res: ServerResponse; after: number; timer: NodeJS.Timeout | null }

export interface HttpSessionOptions {
  pollTimeoutMs: number
  idleTimeoutMs: number
  /** Called once the session is gone from the relay (expired, deleted, or closed and read). */
  onGone(session: HttpSession): void
}

export class HttpSession implements Transport {
  private connection: Connection | null = null
  /** Relay -> client frames not yet acknowledged, oldest first. */
  private readonly outbox: { seq: number; frame: Uint8Array }[] = []
  private outboxBytes = 0
  private nextSeq = 1
  /** Bytes written to the current stream and not yet acknowledged. */
  private streamedBytes = 0
  /** The last client frame number applied. */
  private applied = 0
  private reader: Reader | null = null
  private idleTimer: NodeJS.Timeout | null = null
  private answerScheduled = false
  /** Set once the relay closed the session; told to the client after its unread frames. */
  closedWith: SessionClose | null = null
  private gone = false

  constructor(
    readonly id: string,
    readonly docName: string,
    private readonly options: HttpSessionOptions,
  ) {
    this.armIdleTimer()
  }

  /** Delivers the session's uploads to `connection` from now on. */
  bind(connection: Connection): void {
    this.connection = connection
  }

  get bufferedAmount(): number {
    return this.outboxBytes
  }

  send(frame: Uint8Array): void {
    const seq = this.nextSeq++
    this.outbox.push({ seq, frame })
    this.outboxBytes += frame.byteLength
    const reader = this.reader
    if (reader?.kind === 'stream') this.writeEvent(reader, seq, frame)
    else if (reader?.kind === 'poll') this.scheduleAnswer()
  }

  close(code: number, reason: string): void {
    if (this.closedWith || this.gone) return
    this.closedWith = { code, reason }
    const reader = this.reader
    if (reader?.kind === 'stream') {
      this.endReader()
      reader.res.end(encodeCloseEvent(code, reason))
    } else if (reader?.kind === 'poll') {
      this.scheduleAnswer()
    }
    // Its presence left the room with the close; the session stays a while only to say why.
    this.connection?.ended(code)
    this.armIdleTimer()
  }

  terminate(): void {
    this.end(1006)
  }

  /** Liveness of an HTTP session is its idle timeout, not pings. */
  ping(): void {
    this.connection?.pong()
  }

  /** DELETE: the client leaves; its presence disappears at once. */
  delete(): void {
    this.end(1000)
  }

  /**
   * GET .../stream?after=n: every frame after n now and as it comes, as
   * server-sent events. Replaces any open stream or poll.
   */
  openStream(res: ServerResponse, after: number): void {
    this.acknowledge(after)
    this.replaceReader()
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    })
    // Headers now: the client knows the stream is open before any frame.
    res.flushHeaders()
    const reader: Reader = {
      kind: 'stream',
      res,
      keepalive: setInterval(() => res.write(KEEPALIVE_COMMENT), KEEPALIVE_MS).unref(),
      opened: Date.now(),
    }
    this.reader = reader
    this.streamedBytes = 0
    res.once('close', () => this.readerGone(reader))
    for (const { seq, frame } of this.outbox) {
      if (this.reader !== reader) return
      this.writeEvent(reader, seq, frame)
    }
    if (this.closedWith && this.reader === reader) {
      this.endReader()
      res.end(encodeCloseEvent(this.closedWith.code, this.closedWith.reason))
    }
  }

  /**
   * GET .../poll?after=n: the frames after n as one batch, as soon as there
   * is one or after the poll timeout (at once with `wait`=false).
   */
  openPoll(res: ServerResponse, after: number, wait: boolean): void {
    this.acknowledge(after)
    this.replaceReader()
    const reader: Reader = { kind: 'poll', res, after, timer: null }
    this.reader = reader
    res.once('close', () => this.readerGone(reader))
    if (this.outbox.length > 0 || this.closedWith || !wait) return this.answerPoll(reader)
    reader.timer = setTimeout(() => this.answerPoll(reader), this.options.pollTimeoutMs).unref()
  }

  /**
   * POST .../frames: applies the frames of `batch` the relay has not applied
   * yet, in order. Every new frame is checked first, so a malformed one
   * closes the session with nothing of the batch applied.
   */
  upload(batch: FrameBatch): UploadResult {
    this.touch()
    if (this.closedWith) return { status: 410, body: { ...this.closedWith } }
    if (batch.firstSeq > this.applied + 1) return { status: 409, body: { applied: this.applied } }
    const fresh = batch.frames.slice(this.applied + 1 - batch.firstSeq)
    for (const frame of fresh) {
      try {
        decodeMessage(frame)
      } catch (err) {
        const reason = `invalid message: ${(err as Error).message}`.slice(0, 120)
        this.connection!.close(CloseCode.INVALID_MESSAGE, reason)
        return this.refused()
      }
    }
    for (const frame of fresh) {
      this.connection!.receive(frame)
      if (this.closedWith) return this.refused()
      this.applied++
    }
    return { status: 200, body: { applied: this.applied } }
  }

  private refused(): UploadResult {
    const { code, reason } = this.closedWith!
    return { status: 400, body: { error: reason, code, reason } }
  }

  /** Frames up to `after` reached the client: forget them. */
  private acknowledge(after: number): void {
    this.touch()
    while (this.outbox.length > 0 && this.outbox[0]!.seq <= after) {
      this.outboxBytes -= this.outbox.shift()!.frame.byteLength
    }
  }

  /** The last relay -> client frame number handed out so far. */
  get lastSeq(): number {
    return this.nextSeq - 1
  }

  /** The first frame number still held (what `after` may not be below, minus one). */
  get firstHeld(): number {
    return this.outbox[0]?.seq ?? this.nextSeq
  }

  private writeEvent(reader: Reader & { kind: 'stream' }, seq: number, frame: Uint8Array): void {
    reader.res.write(encodeFrameEvent(seq, frame))
    this.streamedBytes += frame.byteLength
    // The client resumes at once with after=<last id>, acknowledging all of it.
    if (this.streamedBytes > STREAM_ROTATE_BYTES && this.reader === reader) {
      this.endReader()
      reader.res.end()
    }
  }

  /** Frames sent in one tick go out in one answer. */
  private scheduleAnswer(): void {
    if (this.answerScheduled) return
    this.answerScheduled = true
    setImmediate(() => {
      this.answerScheduled = false
      if (this.reader?.kind === 'poll') this.answerPoll(this.reader)
    })
  }

  private answerPoll(reader: Reader & { kind: 'poll' }): void {
    if (this.reader !== reader) return
    this.endReader()
    const res = reader.res
    const frames = this.outbox.map((entry) => entry.frame)
    if (frames.length === 0 && this.closedWith) {
      res.writeHead(410, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(JSON.stringify(this.closedWith))
      return
    }
    const body = encodeFrameBatch(reader.after + 1, frames)
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', 'content-length': body.byteLength })
    res.end(body)
  }

  /** A new stream or poll ends the previous one. */
  private replaceReader(): void {
    const previous = this.reader
    if (!previous) return
    if (previous.kind === 'poll') return this.answerPoll(previous)
    this.endReader()
    previous.res.end()
  }

  /** Detaches the current reader (its response is the caller's to finish). */
  private endReader(): void {
    const reader = this.reader
    if (!reader) return
    this.reader = null
    if (reader.kind === 'stream') clearInterval(reader.keepalive)
    else if (reader.timer) clearTimeout(reader.timer)
    this.armIdleTimer()
  }

  /** The client went away mid-response (dropped network, aborted fetch). */
  private readerGone(reader: Reader): void {
    if (this.reader === reader) this.endReader()
  }

  private touch(): void {
    this.armIdleTimer()
  }

  /** Expires the session after the idle timeout, unless a reader is open. */
  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
    if (this.gone || this.reader) return
    this.idleTimer = setTimeout(() => this.end(1006), this.options.idleTimeoutMs).unref()
  }

  /** The session leaves the relay: its presence leaves the room, its id is forgotten. */
  private end(code: number): void {
    if (this.gone) return
    const reader = this.reader
    this.endReader()
    this.gone = true
    if (this.idleTimer) clearTimeout(this.idleTimer)
    if (reader?.kind === 'stream') reader.res.end()
    else if (reader?.kind === 'poll') reader.res.destroy()
    this.connection?.ended(code)
    this.outbox.length = 0
    this.outboxBytes = 0
    this.options.onGone(this)
  }
}
