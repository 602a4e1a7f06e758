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

/**
 * Long polls a session may have parked at once. A client keeps a second poll
 * parked (`queue=1`) so that, while the answer to one is travelling and its
 * replacement is not yet here, the next frame still has a poll to go out on.
 */
export const MAX_PARKED_POLLS = 2
/**
 * A stream is ended (and resumed by the client with `after=`, which
 * acknowledges) once it carried this many unacknowledged bytes, so a
 * long-lived stream does not keep every frame it ever sent.
 */
const STREAM_ROTATE_BYTES = 1024 * 1024

/**
 * A poll answer's headers but its length, as the flat `[name, value, ...]`
 * list Node writes as given: one list for every answer rather than an object
 * per answer (there is one answer per reader per update; the write of the
 * answer, not its headers, is what costs, see bench/README.md).
 */
const BATCH_HEADERS = ['content-type', 'application/octet-stream', 'cache-control', 'no-store', 'content-length'] as const

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

interface StreamReader {
  res: ServerResponse
  keepalive: NodeJS.Timeout
}

interface PollReader {
  res: ServerResponse
  after: number
  /** Parked behind another poll (`queue=1`): answered only by frames no earlier answer carried. */
  queued: boolean
  timer: NodeJS.Timeout | null
}

export interface HttpSessionOptions {
  pollTimeoutMs: number
  idleTimeoutMs: number
  /** Interval of keep-alive comments on an idle stream. */
  keepAliveMs: number
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
  private stream: StreamReader | null = null
  /** Parked long polls, oldest first. */
  private polls: PollReader[] = []
  /** The last frame number a poll answer carried. */
  private answeredUpTo = 0
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
    if (this.stream) this.writeEvent(this.stream, seq, frame)
    else if (this.polls.length > 0) this.scheduleAnswer()
  }

  close(code: number, reason: string): void {
    if (this.closedWith || this.gone) return
    this.closedWith = { code, reason }
    const stream = this.stream
    if (stream) {
      this.detachStream()
      stream.res.end(encodeCloseEvent(code, reason))
    } else if (this.polls.length > 0) {
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
    this.replaceReaders()
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    })
    // Headers now: the client knows the stream is open before any frame.
    res.flushHeaders()
    const reader: StreamReader = {
      res,
      keepalive: setInterval(() => res.write(KEEPALIVE_COMMENT), this.options.keepAliveMs).unref(),
    }
    this.stream = reader
    this.armIdleTimer()
    this.streamedBytes = 0
    res.once('close', () => this.stream === reader && this.detachStream())
    for (const { seq, frame } of this.outbox) {
      if (this.stream !== reader) return
      this.writeEvent(reader, seq, frame)
    }
    if (this.closedWith && this.stream === reader) {
      this.detachStream()
      res.end(encodeCloseEvent(this.closedWith.code, this.closedWith.reason))
    }
  }

  /**
   * GET .../poll?after=n: the frames after n as one batch, as soon as there
   * is one or after `waitMs` (0: at once; null or longer than the poll
   * timeout: the poll timeout). A plain
   * poll replaces whatever reads the session; a `queued` one replaces only a
   * stream and parks behind the polls already parked (at most
   * MAX_PARKED_POLLS; the oldest is answered to make room).
   */
  openPoll(res: ServerResponse, after: number, waitMs: number | null, queued = false): void {
    this.acknowledge(after)
    if (queued) {
      this.endStream()
      while (this.polls.length >= MAX_PARKED_POLLS) this.answerPoll(this.polls[0]!)
    } else {
      this.replaceReaders()
    }
    const poll: PollReader = { res, after, queued, timer: null }
    this.polls.push(poll)
    this.armIdleTimer()
    res.once('close', () => this.detachPoll(poll))
    if (waitMs === 0) return this.answerPoll(poll)
    poll.timer = setTimeout(() => this.answerPoll(poll), Math.min(waitMs ?? Infinity, this.options.pollTimeoutMs)).unref()
    if (this.closedWith || this.isDue(poll)) this.scheduleAnswer()
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

  /** The first frame number still held (what a plain `after` may not be below, minus one). */
  get firstHeld(): number {
    return this.outbox[0]?.seq ?? this.nextSeq
  }

  private writeEvent(reader: StreamReader, seq: number, frame: Uint8Array): void {
    reader.res.write(encodeFrameEvent(seq, frame))
    this.streamedBytes += frame.byteLength
    // The client resumes at once with after=<last id>, acknowledging all of it.
    if (this.streamedBytes > STREAM_ROTATE_BYTES && this.stream === reader) this.endStream()
  }

  /**
   * Whether `poll` has something to answer: a frame after its `after`, and,
   * for a queued poll, one that no earlier answer carried (those are on
   * their way to the client, whose next poll will acknowledge them).
   */
  private isDue(poll: PollReader): boolean {
    const since = poll.queued ? Math.max(poll.after, this.answeredUpTo) : poll.after
    return (this.outbox[this.outbox.length - 1]?.seq ?? 0) > since
  }

  /**
   * Frames sent in one tick go out in one answer, at the end of that tick
   * (as a socket's writes do, see cork.ts): not a turn of the event loop
   * later, after whatever other I/O is waiting.
   */
  private scheduleAnswer(): void {
    if (this.answerScheduled) return
    this.answerScheduled = true
    process.nextTick(() => {
      this.answerScheduled = false
      if (this.closedWith) {
        for (const poll of [...this.polls]) this.answerPoll(poll)
        return
      }
      // The oldest poll with something to answer; the others stay parked for the next frames.
      const due = this.polls.find((poll) => this.isDue(poll))
      if (due) this.answerPoll(due)
    })
  }

  private answerPoll(poll: PollReader): void {
    if (!this.polls.includes(poll)) return
    this.detachPoll(poll)
    const res = poll.res
    // Frames a newer poll acknowledged are gone: the batch says where it starts. The outbox
    // holds consecutive numbers, so the frames after `poll.after` are a tail of it.
    const held = this.outbox.slice(Math.max(0, poll.after + 1 - this.firstHeld))
    if (held.length === 0 && this.closedWith) {
      res.writeHead(410, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(JSON.stringify(this.closedWith))
      return
    }
    const firstSeq = held[0]?.seq ?? poll.after + 1
    if (held.length > 0) this.answeredUpTo = Math.max(this.answeredUpTo, held[held.length - 1]!.seq)
    const body = encodeFrameBatch(
      firstSeq,
      held.map((entry) => entry.frame),
    )
    res.writeHead(200, [...BATCH_HEADERS, String(body.byteLength)])
    res.end(body)
  }

  /** A new stream or plain poll ends the previous stream and answers every parked poll. */
  private replaceReaders(): void {
    this.endStream()
    for (const poll of [...this.polls]) this.answerPoll(poll)
  }

  /** Ends the open stream (the client resumes it, or has moved on). */
  private endStream(): void {
    const stream = this.stream
    if (!stream) return
    this.detachStream()
    stream.res.end()
  }

  /** Forgets the open stream (its response is the caller's to finish). */
  private detachStream(): void {
    if (!this.stream) return
    clearInterval(this.stream.keepalive)
    this.stream = null
    this.armIdleTimer()
  }

  /** Forgets a parked poll: answered, or the client went away (dropped network, aborted fetch). */
  private detachPoll(poll: PollReader): void {
    const at = this.polls.indexOf(poll)
    if (at < 0) return
    this.polls.splice(at, 1)
    if (poll.timer) clearTimeout(poll.timer)
    this.armIdleTimer()
  }

  private touch(): void {
    this.armIdleTimer()
  }

  /** Expires the session after the idle timeout, unless a reader is open. */
  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
    if (this.gone || this.stream || this.polls.length > 0) return
    this.idleTimer = setTimeout(() => this.end(1006), this.options.idleTimeoutMs).unref()
  }

  /** The session leaves the relay: its presence leaves the room, its id is forgotten. */
  private end(code: number): void {
    if (this.gone) return
    const polls = [...this.polls]
    this.gone = true
    this.endStream()
    for (const poll of polls) {
      this.detachPoll(poll)
      poll.res.destroy()
    }
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.connection?.ended(code)
    this.outbox.length = 0
    this.outboxBytes = 0
    this.options.onGone(this)
  }
}
