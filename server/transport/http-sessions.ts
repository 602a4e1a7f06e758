/**
 * The HTTP fallback routes under /http/<docName>/sessions (docs/protocol.md,
 * "HTTP fallback") and the registry of open sessions. A session is admitted
 * exactly like a WebSocket upgrade and then joins its room as a connection
 * whose transport is an HttpSession; the room cannot tell the difference.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { isValidDocName } from '../../shared/docname.js'
import { decodeFrameBatch, MalformedBatchError } from '../../shared/frame-batch.js'
import { CloseCode, CloseReason } from '../../shared/protocol.js'
import { HttpError, readBody, sendJson } from '../api/http-util.js'
import type { Admission, Admitted } from '../http.js'
import type { Connection } from '../relay/connection.js'
import { HttpSession, MAX_PARKED_POLLS } from './http-session.js'

/** Most frames one upload may carry (the client sends far fewer). */
export const MAX_BATCH_FRAMES = 1024

export interface HttpSessionsOptions {
  /** The same admission as a WebSocket upgrade (origin, token, role). */
  admit(req: IncomingMessage, docName: string): Promise<Admission>
  /**
   * Joins `session` to the room of `docName` as a connection, or refuses it
   * with a close code (per-address and document limits).
   */
  connect(session: HttpSession, docName: string, ip: string, admission: Admitted): Connection | number
  idleTimeoutMs: number
  pollTimeoutMs: number
  /** Interval of keep-alive comments on an idle stream, announced to the client. */
  keepAliveMs: number
  maxMessageBytes: number
  log: Logger
}

const SESSIONS_PATH = /^\/http\/([^/]*)\/sessions(?:\/([^/]+)(?:\/(stream|poll|frames))?)?$/

/** HTTP statuses for the limits that close a socket with a code. */
const REFUSAL_STATUS: Record<number, number> = {
  [CloseCode.TOO_MANY_CONNECTIONS]: 429,
  [CloseCode.TOO_MANY_DOCUMENTS]: 503,
}

export class HttpSessions {
  private readonly sessions = new Map<string, HttpSession>()

  constructor(private readonly options: HttpSessionsOptions) {}

  /** Number of sessions the relay holds (open or closed and not yet read). */
  get size(): number {
    return this.sessions.size
  }

  /** Handles a request whose raw path starts with /http/. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      await this.route(req, res, path)
    } catch (err) {
      if (!(err instanceof HttpError)) throw err
      sendJson(res, err.status, { error: err.message })
    }
  }

  /** Ends every session (the relay is stopping). */
  closeAll(): void {
    for (const session of [...this.sessions.values()]) session.terminate()
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    // Match the raw path: new URL() would resolve "/http/.." away.
    const match = SESSIONS_PATH.exec(path)
    if (!match) throw new HttpError(404, 'HTTP sessions live at /http/<docName>/sessions')
    const [, docName, id, action] = match as unknown as [string, string, string | undefined, string | undefined]
    if (!isValidDocName(docName)) throw new HttpError(400, 'invalid document name: use 1-128 characters of A-Z a-z 0-9 . _ -')
    const query = new URL(req.url ?? '/', 'http://relay').searchParams

    if (id === undefined) {
      if (req.method !== 'POST') throw new HttpError(405, 'POST to open a session')
      return this.create(req, res, docName)
    }
    const session = this.sessions.get(id)
    if (!session || session.docName !== docName) throw new HttpError(404, 'no such session')
    if (action === undefined) {
      if (req.method !== 'DELETE') throw new HttpError(405, 'DELETE to close a session')
      session.delete()
      res.writeHead(204).end()
      return
    }
    if (action === 'frames') {
      if (req.method !== 'POST') throw new HttpError(405, 'POST frames')
      return this.upload(req, res, session)
    }
    if (req.method !== 'GET') throw new HttpError(405, `GET the ${action}`)
    const queued = action === 'poll' && query.get('queue') === '1'
    const after = parseAfter(query.get('after'), session, queued)
    if (action === 'stream') session.openStream(res, after)
    else session.openPoll(res, after, parseWait(query.get('wait')), queued)
  }

  private async create(req: IncomingMessage, res: ServerResponse, docName: string): Promise<void> {
    // Nothing of the request body is used; drain it so the socket can be reused.
    req.resume()
    const admission = await this.options.admit(req, docName)
    if (!admission.ok) throw new HttpError(admission.status, admission.reason)
    const id = randomBytes(18).toString('base64url')
    const session = new HttpSession(id, docName, {
      idleTimeoutMs: this.options.idleTimeoutMs,
      pollTimeoutMs: this.options.pollTimeoutMs,
      keepAliveMs: this.options.keepAliveMs,
      onGone: (gone) => this.sessions.delete(gone.id),
    })
    const ip = req.socket.remoteAddress ?? 'unknown'
    const connected = this.options.connect(session, docName, ip, admission)
    if (typeof connected === 'number') {
      session.terminate()
      res.writeHead(REFUSAL_STATUS[connected] ?? 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
      res.end(JSON.stringify({ error: CloseReason[connected] ?? 'refused', code: connected }))
      return
    }
    session.bind(connected)
    this.sessions.set(id, session)
    sendJson(res, 201, {
      session: id,
      idleTimeoutMs: this.options.idleTimeoutMs,
      pollTimeoutMs: this.options.pollTimeoutMs,
      maxParkedPolls: MAX_PARKED_POLLS,
      keepAliveMs: this.options.keepAliveMs,
    })
  }

  private async upload(req: IncomingMessage, res: ServerResponse, session: HttpSession): Promise<void> {
    const max = this.options.maxMessageBytes
    // One largest message plus the numbering and lengths around the frames.
    const body = await readBody(req, max + 64 * 1024)
    let batch
    try {
      batch = decodeFrameBatch(body, MAX_BATCH_FRAMES)
    } catch (err) {
      if (!(err instanceof MalformedBatchError)) throw err
      throw new HttpError(400, err.message)
    }
    if (batch.frames.some((frame) => frame.byteLength > max)) {
      throw new HttpError(413, `a frame is larger than ${max} bytes (MAX_MESSAGE_BYTES)`)
    }
    const result = session.upload(batch)
    sendJson(res, result.status, result.body)
  }
}

/**
 * `after=` must name a frame the session sent and still holds (or 0 before
 * any). A queued poll may be behind: the client sent it before a poll that
 * acknowledged more overtook it on another connection.
 */
function parseAfter(raw: string | null, session: HttpSession, queued: boolean): number {
  if (raw === null || !/^\d{1,15}$/.test(raw)) throw new HttpError(400, 'after=<last frame number received> is required')
  const after = Number(raw)
  if (after > session.lastSeq) throw new HttpError(400, `after=${after} is past the last frame sent (${session.lastSeq})`)
  if (!queued && after < session.firstHeld - 1) throw new HttpError(400, `frames up to ${session.firstHeld - 1} were already acknowledged`)
  return after
}

/** `wait=<ms>`: how long a poll may wait for a frame (0: answer at once); absent, the poll timeout. */
function parseWait(raw: string | null): number | null {
  if (raw === null) return null
  if (!/^\d{1,9}$/.test(raw)) throw new HttpError(400, 'wait=<milliseconds> must be a whole number')
  return Number(raw)
}
