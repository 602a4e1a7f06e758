/**
 * The document API beyond listing: export, versions, restore, import,
 * rename and delete.
 *
 *   GET  /api/docs/<name>/export?format=md|html|txt[&version=<id>]
 *   GET  /api/docs/<name>/versions[?limit=&before=]
 *   POST /api/docs/<name>/versions                    {"label"}
 *   GET  /api/docs/<name>/versions/<id>
 *   POST /api/docs/<name>/versions/<id>/restore       {"by"}
 *   POST /api/docs/import[?title=]                    Markdown or HTML body
 *   PUT  /api/docs/<name>/title                       {"title", "by"}
 *   DELETE /api/docs/<name>
 *
 * Every refusal has a status and a reason (docs/protocol.md lists them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { isValidDocName } from '../../shared/docname.js'
import type { Rooms } from '../relay/rooms.js'
import type { DocStore } from '../store/store.js'
import type { VersionStore } from '../store/versions.js'
import { History, MAX_LABEL_LENGTH } from '../versions/history.js'
import { currentDoc } from '../relay/current.js'
import { docFromState, readDoc, type ReadDoc } from '../render/ydoc.js'
import { deleteDoc, renameDoc } from './manage.js'
import { DocumentDeleted } from '../versions/history.js'
import { HttpError, readJson, sendJson } from './http-util.js'

export interface DocsApiOptions {
  rooms: Rooms
  store: DocStore
  /** Without a version store, version routes answer 501. */
  versions?: VersionStore
  /** Shortest time between two automatic versions of a document. */
  versionIntervalMs: number
  /** Largest import body accepted (413 beyond). */
  maxImportBytes: number
  log: Logger
}

/** Answers the routes above; `handle` returns false for any other path. */
export interface DocsApi {
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean
  /** The documents' history; null without a version store. */
  readonly history: History | null
  /** Saves unsaved edits as versions and stops the timers (shutdown). */
  close(): Promise<void>
}

const DOC_ROUTE = /^\/api\/docs\/([^/]+)\/(export|versions)(?:\/(\d+)(\/restore)?)?$/
/** The routes about a whole document: its title and itself. */
const MANAGE_ROUTE = /^\/api\/docs\/([^/]+)(\/title)?$/
const PAGE_DEFAULT = 20
const PAGE_MAX = 100

/** Creates the API over the relay's rooms and stores. */
export function createDocsApi(options: DocsApiOptions): DocsApi {
  const history = options.versions
    ? new History({
        rooms: options.rooms,
        store: options.store,
        versions: options.versions,
        intervalMs: options.versionIntervalMs,
        log: options.log,
      })
    : null

  const requireHistory = (): History => {
    if (!history) throw new HttpError(501, 'this relay keeps no versions')
    return history
  }

  /** A version of `name` read for rendering; 404 when missing. */
  const readVersion = async (name: string, id: number) => {
    const version = await options.versions?.get(name, id)
    if (!version) throw new HttpError(404, `document "${name}" has no version ${id}`)
    const ydoc = docFromState(version.updates)
    try {
      return { version, read: logDropped(readDoc(ydoc), name) }
    } finally {
      ydoc.destroy()
    }
  }

  const readCurrent = async (name: string): Promise<ReadDoc> => {
    const current = await currentDoc(options.rooms, options.store, name)
    if (!current) throw new HttpError(404, `no document "${name}"`)
    try {
      return logDropped(readDoc(current.doc), name)
    } finally {
      current.release()
    }
  }

  const logDropped = (read: ReadDoc, name: string): ReadDoc => {
    if (read.dropped.size > 0) options.log.warn({ doc: name, dropped: Object.fromEntries(read.dropped) }, 'rendering left out foreign content')
    return read
  }

  const route = async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> => {
    // DELETE /api/docs/import deletes the document named "import".
    if (path === '/api/docs/import' && req.method !== 'DELETE') {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST to import')
      // Import and export load their parsers and serialisers (linkedom,
      // markdown, y-prosemirror: tens of MiB) on first use, not at start-up.
      const { importDoc } = await import('./import.js')
      return sendJson(res, 201, await importDoc(req, query, options))
    }
    const manage = MANAGE_ROUTE.exec(path)
    if (manage) {
      const name = manage[1]!
      if (!isValidDocName(name)) throw new HttpError(400, 'invalid document name: use 1-128 characters of A-Z a-z 0-9 . _ -')
      const manageOptions = { rooms: options.rooms, store: options.store, history }
      if (manage[2]) {
        if (req.method !== 'PUT') throw new HttpError(405, 'use PUT to rename')
        const body = await readJson(req)
        if (typeof body.title !== 'string') throw new HttpError(400, 'title must be a string')
        const by = typeof body.by === 'string' ? body.by.trim().slice(0, MAX_LABEL_LENGTH) : ''
        return sendJson(res, 200, { title: await renameDoc(manageOptions, name, body.title.trim(), by) })
      }
      if (req.method !== 'DELETE') throw new HttpError(405, 'use DELETE to delete a document')
      await deleteDoc(manageOptions, name)
      options.log.info({ doc: name }, 'document deleted')
      return sendJson(res, 200, { deleted: name })
    }
    const match = DOC_ROUTE.exec(path)!
    // Matched raw, like the WebSocket path: valid names need no decoding.
    const name = match[1]!
    if (!isValidDocName(name)) throw new HttpError(400, 'invalid document name: use 1-128 characters of A-Z a-z 0-9 . _ -')
    const [, , what, idText, restore] = match
    const id = idText === undefined ? undefined : Number(idText)

    if (what === 'export') {
      if (req.method !== 'GET') throw new HttpError(405, 'use GET to export')
      const { FORMATS, isFormat, render } = await import('../render/formats.js')
      const format = query.get('format')
      if (!isFormat(format)) throw new HttpError(400, 'format must be md, html or txt')
      const versionParam = query.get('version')
      let read: ReadDoc
      if (versionParam === null) read = await readCurrent(name)
      else {
        if (!/^\d+$/.test(versionParam)) throw new HttpError(400, 'version must be a version id')
        requireHistory()
        read = (await readVersion(name, Number(versionParam))).read
      }
      const { contentType, extension } = FORMATS[format]
      res.writeHead(200, {
        'content-type': contentType,
        'content-disposition': attachment(read.title || name, extension),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      })
      return void res.end(render(read.doc, read.title, format))
    }

    const versions = requireHistory()
    if (id === undefined) {
      if (req.method === 'GET') {
        const limit = pageLimit(query.get('limit'))
        const beforeParam = query.get('before')
        if (beforeParam !== null && !/^\d+$/.test(beforeParam)) throw new HttpError(400, 'before must be a version id')
        const page = await versions.list(name, limit + 1, beforeParam === null ? undefined : Number(beforeParam))
        const shown = page.slice(0, limit)
        return sendJson(res, 200, { versions: shown, next: page.length > limit ? shown[shown.length - 1]!.id : null })
      }
      if (req.method === 'POST') {
        const body = await readJson(req)
        const label = typeof body.label === 'string' ? body.label.trim() : ''
        if (!label || label.length > MAX_LABEL_LENGTH) throw new HttpError(400, `label must be 1-${MAX_LABEL_LENGTH} characters`)
        const version = await versions.name(name, label)
        if (!version) throw new HttpError(404, `no document "${name}"`)
        return sendJson(res, 201, { version })
      }
      throw new HttpError(405, 'use GET or POST')
    }
    if (restore) {
      if (req.method !== 'POST') throw new HttpError(405, 'use POST to restore')
      const body = await readJson(req)
      const by = typeof body.by === 'string' ? body.by.trim().slice(0, MAX_LABEL_LENGTH) : ''
      const version = await versions.restore(name, id, by)
      if (!version) throw new HttpError(404, `document "${name}" has no version ${id}`)
      return sendJson(res, 200, { version })
    }
    if (req.method !== 'GET') throw new HttpError(405, 'use GET')
    const { version, read } = await readVersion(name, id)
    const { updates: _updates, ...info } = version
    return sendJson(res, 200, { version: info, doc: read.doc.toJSON() })
  }

  return {
    history,
    handle(req, res, path) {
      if (path !== '/api/docs/import' && !DOC_ROUTE.test(path) && !MANAGE_ROUTE.test(path)) return false
      const query = new URL(req.url ?? '/', 'http://relay').searchParams
      route(req, res, path, query).catch((err: unknown) => {
        if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message })
        // Deleted while a version of it was asked for.
        if (err instanceof DocumentDeleted) return sendJson(res, 404, { error: err.message })
        options.log.error({ err, path }, 'document API failed')
        sendJson(res, 503, { error: 'the document store is unavailable; try again' })
      })
      return true
    },
    async close() {
      if (!history) return
      await history.flush().catch(() => undefined)
      history.stop()
    },
  }
}

function pageLimit(raw: string | null): number {
  if (raw === null) return PAGE_DEFAULT
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > PAGE_MAX) throw new HttpError(400, `limit must be 1-${PAGE_MAX}`)
  return Number(raw)
}

/**
 * A Content-Disposition naming the download after the document title: an
 * ASCII fallback for old clients plus the exact UTF-8 name (RFC 6266/5987).
 * Characters that are unsafe in file names or headers are replaced.
 */
export function attachment(title: string, extension: string): string {
  const base =
    title
      .replace(/[\u0000-\u001f\u007f"\\/:*?<>|]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^\.+/, '')
      .slice(0, 100) || 'document'
  const file = `${base}.${extension}`
  const ascii = file.replace(/[^\x20-\x7e]/g, '_')
  const encoded = encodeURIComponent(file).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

