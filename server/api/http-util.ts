/**
 * Small HTTP helpers for the document API: refusals with a status and a
 * reason, size-limited bodies, JSON answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Largest JSON body the API reads (labels, restore requests). */
const JSON_BODY_LIMIT = 16 * 1024

/** A refusal: an HTTP status and a reason for the user. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** The body, refused with 413 as soon as it is known to exceed `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    req.resume()
    return Promise.reject(new HttpError(413, `the body is larger than ${limit} bytes`))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > limit) {
        req.removeAllListeners('data')
        req.resume()
        reject(new HttpError(413, `the body is larger than ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

/** The body as a JSON object (an empty body reads as {}); 400 otherwise. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req, JSON_BODY_LIMIT)).toString('utf8')
  if (raw.trim() === '') return {}
  try {
    const value: unknown = JSON.parse(raw)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // Reported below.
  }
  throw new HttpError(400, 'the body must be a JSON object')
}

/** Sends `body` as JSON with `status`; a response already under way is cut instead. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy()
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}
