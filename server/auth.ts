/**
 * Share-link tokens: JWTs signed HS256 with AUTH_SECRET that grant one role on
 * one document (or on every document, `doc: "*"`). Verified at the WebSocket
 * upgrade and on /api calls, so the relay core never sees a JWT: it only learns
 * whether a peer may write.
 */
import type { IncomingMessage } from 'node:http'
import { SignJWT, jwtVerify, errors } from 'jose'

/** What a token lets its holder do, weakest first. */
export const ROLES = ['viewer', 'commenter', 'editor'] as const
export type Role = (typeof ROLES)[number]

/** The verified content of a token. */
export interface Grant {
  /** A document name, or "*" for every document. */
  doc: string
  role: Role
  /** Display name of the holder, when the link was minted with one. */
  name?: string
  /** Expiry, in seconds since the epoch. */
  exp: number
}

/**
 * Whether a role may change a document. A commenter is a viewer until
 * comments exist: comments will be stored apart from the document text.
 */
export function canWrite(role: Role): boolean {
  return role === 'editor'
}

/** A refused request: the HTTP status (401 or 403) and a reason a user can act on. */
export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    reason: string,
  ) {
    super(reason)
    this.name = 'AuthError'
  }
}

/** The longest a share link may live: a leaked link must not work forever. */
export const MAX_TTL_SECONDS = 365 * 24 * 3600

/**
 * Parses a lifetime such as "90s", "30m", "12h", "7d" (or plain seconds) into
 * seconds. Throws on anything else.
 */
export function parseTtl(raw: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(raw.trim())
  if (!match) throw new Error(`invalid lifetime "${raw}": use e.g. 90s, 30m, 12h or 7d`)
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd']
  const seconds = Number(match[1]) * unit
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) throw new Error(`lifetime must be from 1s to ${MAX_TTL_SECONDS / 86400}d`)
  return seconds
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret)
}

/** Signs a token granting `role` on `doc` for `ttlSeconds`. */
export async function mintToken(
  secret: string,
  grant: { doc: string; role: Role; ttlSeconds: number; name?: string },
): Promise<string> {
  const claims: Record<string, string> = { doc: grant.doc, role: grant.role }
  if (grant.name) claims.name = grant.name
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + grant.ttlSeconds)
    .sign(key(secret))
}

/**
 * Verifies `token` and returns its grant. With `docName`, the token must be
 * for that document (or for "*"). Throws AuthError: 401 when the token is
 * missing, forged, expired or malformed; 403 when it is valid but for another
 * document.
 */
export async function verifyToken(secret: string, token: string | undefined, docName?: string): Promise<Grant> {
  if (!token) throw new AuthError(401, 'a token is required: open the share link you were given')
  let payload: Record<string, unknown>
  try {
    // Pinning the algorithm refuses "alg: none" and every asymmetric trick.
    ;({ payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'], requiredClaims: ['exp'] }))
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new AuthError(401, 'this link has expired; ask for a new one')
    throw new AuthError(401, 'invalid token')
  }
  const { doc, role, name, exp } = payload
  if (typeof doc !== 'string' || !ROLES.includes(role as Role)) throw new AuthError(401, 'invalid token')
  if (docName !== undefined && doc !== '*' && doc !== docName) {
    throw new AuthError(403, 'this link is for another document')
  }
  return { doc, role: role as Role, exp: exp as number, ...(typeof name === 'string' ? { name } : {}) }
}

/**
 * The token a request carries: `?token=` (what the y-websocket client's
 * `params` option sends) or an `Authorization: Bearer` header.
 */
export function tokenFromRequest(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined
  const query = (req.url ?? '').split('?')[1]
  return new URLSearchParams(query ?? '').get('token') ?? undefined
}

/**
 * Checks the `Origin` header of a WebSocket upgrade against ALLOWED_ORIGINS.
 * An empty list allows every origin. Browsers always send Origin; a request
 * without one comes from a non-browser client, which a token governs instead.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true
  const origin = req.headers.origin
  return origin === undefined || allowed.includes(origin)
}
