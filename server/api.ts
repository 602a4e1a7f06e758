/**
 * The token-guarded HTTP endpoints: GET /api/docs (the document list),
 * POST /api/share (mint share links) and GET /metrics. With AUTH_SECRET set, every /api call needs a valid token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AuthError, ROLES, canWrite, mintToken, parseTtl, tokenFromRequest, verifyToken, type Role } from './auth.js'
import { isValidDocName } from '../shared/docname.js'
import type { RelayMetrics } from './metrics.js'
import { sendJson } from './http.js'
import type { DocInfo } from './store/store.js'

export interface ApiOptions {
  authSecret: string | undefined
  metricsMode: 'open' | 'token' | 'off'
  metrics: RelayMetrics
  /** Every stored document, for GET /api/docs. */
  listDocs(): Promise<DocInfo[]>
  /**
   * The document API (versions, export, import: server/api/docs.ts), called
   * once the caller's token is checked; false when `path` is not its.
   */
  docs?(req: IncomingMessage, res: ServerResponse, path: string): boolean
}

/** /api/docs/<name>/... and /api/docs/<name>: the routes about one document. */
const ONE_DOC = /^\/api\/docs\/([^/]+)(?:\/|$)/

/** Largest request body accepted by /api (a share request is tiny). */
const MAX_BODY_BYTES = 4096

/** What a share request asks for. */
interface ShareRequest {
  doc: string
  role: Role
  ttl: string
}

/** Handles /api/* and /metrics; `path` is the request path without query. */
export function createApi(options: ApiOptions) {
  const { authSecret } = options

  return async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      if (path === '/metrics') {
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' })
        if (options.metricsMode === 'off') return sendJson(res, 404, { error: 'metrics are off (METRICS=off)' })
        if (options.metricsMode === 'token') {
          if (!authSecret) throw new AuthError(401, 'METRICS=token needs AUTH_SECRET')
          await verifyToken(authSecret, tokenFromRequest(req), '*')
        }
        const body = await options.metrics.registry.metrics()
        res.writeHead(200, { 'content-type': options.metrics.registry.contentType, 'cache-control': 'no-store' })
        return void res.end(body)
      }
      if (path === '/api/docs') {
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' })
        // Document names are themselves secrets: listing them all needs a token for "*".
        if (authSecret) await verifyToken(authSecret, tokenFromRequest(req), '*')
        let docs: DocInfo[]
        try {
          docs = await options.listDocs()
        } catch {
          return sendJson(res, 503, { error: 'the document store is unavailable; try again' })
        }
        return sendJson(res, 200, { docs })
      }
      if (path === '/api/share') {
        if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' })
        const request = parseShareRequest(await readBody(req))
        if (!authSecret) {
          // An open relay has no tokens: the plain link already grants everything.
          return sendJson(res, 200, { url: `/d/${request.doc}`, token: null, role: 'editor', open: true })
        }
        const caller = await verifyToken(authSecret, tokenFromRequest(req), request.doc)
        if (!canWrite(caller.role)) throw new AuthError(403, 'only editors can create share links')
        const ttlSeconds = parseTtl(request.ttl)
        const token = await mintToken(authSecret, { doc: request.doc, role: request.role, ttlSeconds })
        return sendJson(res, 200, {
          url: `/d/${request.doc}?token=${token}`,
          token,
          role: request.role,
          expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
        })
      }
      if (options.docs && path.startsWith('/api/docs/')) {
        if (authSecret) {
          // Reading a document needs a token for it; changing one (naming,
          // restoring, renaming, deleting) needs an editor's; importing
          // creates documents, so it needs an editor token for "*".
          const importing = path === '/api/docs/import' && req.method !== 'DELETE'
          const name = importing ? undefined : ONE_DOC.exec(path)?.[1]
          const grant = await verifyToken(authSecret, tokenFromRequest(req), name ?? '*')
          if (!name && grant.doc !== '*') throw new AuthError(403, 'importing needs a token for every document')
          if (req.method !== 'GET' && !canWrite(grant.role)) throw new AuthError(403, 'only editors can change documents')
        }
        if (options.docs(req, res, path)) return
      }
      // Unknown /api paths still need a token, so they reveal nothing to strangers.
      if (authSecret) await verifyToken(authSecret, tokenFromRequest(req))
      sendJson(res, 404, { error: 'no such endpoint' })
    } catch (err) {
      if (err instanceof AuthError) {
        options.metrics.refused(err.status)
        return sendJson(res, err.status, { error: err.message })
      }
      if (err instanceof BadRequest) return sendJson(res, 400, { error: err.message })
      throw err
    }
  }
}

class BadRequest extends Error {}

function parseShareRequest(body: string): ShareRequest {
  let json: Record<string, unknown>
  try {
    json = JSON.parse(body) as Record<string, unknown>
  } catch {
    throw new BadRequest('expected a JSON body {"doc", "role", "ttl"}')
  }
  const { doc, role, ttl = '7d' } = json ?? {}
  if (typeof doc !== 'string' || !isValidDocName(doc)) throw new BadRequest('invalid document name')
  if (!ROLES.includes(role as Role)) throw new BadRequest(`role must be one of ${ROLES.join(', ')}`)
  if (typeof ttl !== 'string') throw new BadRequest('ttl must be a string such as "7d"')
  try {
    parseTtl(ttl)
  } catch (err) {
    throw new BadRequest((err as Error).message)
  }
  return { doc, role: role as Role, ttl }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequest('request body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
