/**
 * Import: a Markdown or HTML body becomes a new document. The result goes
 * through the same tolerant reader as export, so an import holds only what
 * the editor accepts (no unsafe links or images).
 */
import type { IncomingMessage } from 'node:http'
import * as Y from 'yjs'
import { prosemirrorToYXmlFragment } from 'y-prosemirror'
import type { Logger } from 'pino'
import type { Node as PMNode } from 'prosemirror-model'
import { randomDocName } from '../../shared/docname.js'
import { CONTENT_FRAGMENT, MAX_TITLE_LENGTH, TITLE_TEXT } from '../../shared/docmodel.js'
import type { DocStore } from '../store/store.js'
import { readDoc } from '../render/ydoc.js'
import { IMPORT_TYPES, fromHtml, fromMarkdown } from '../render/parse.js'
import { HttpError, readBody } from './http-util.js'

/** What an import created. */
export interface Imported {
  name: string
  title: string
  /** Where the editor opens it. */
  url: string
}

/** Creates a document from a Markdown or HTML body. */
export async function importDoc(
  req: IncomingMessage,
  query: URLSearchParams,
  options: { store: DocStore; maxImportBytes: number; log: Logger },
): Promise<Imported> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  const kind = IMPORT_TYPES[mediaType]
  if (!kind) throw new HttpError(415, 'import Markdown (text/markdown) or HTML (text/html)')
  const source = (await readBody(req, options.maxImportBytes)).toString('utf8')
  const parsed = kind === 'md' ? fromMarkdown(source) : fromHtml(source)
  const title = (query.get('title')?.trim() || parsed.title).slice(0, MAX_TITLE_LENGTH)
  // Through a Y.Doc and back: the same reader as export drops unsafe links and images.
  const clean = readDoc(toYDoc(parsed.doc, title)).doc
  const ydoc = toYDoc(clean, title)
  const name = randomDocName()
  await Promise.all([options.store.append(name, Y.encodeStateAsUpdate(ydoc)), options.store.setTitle(name, title)])
  ydoc.destroy()
  options.log.info({ doc: name, kind, bytes: source.length }, 'document imported')
  return { name, title, url: `/d/${name}` }
}

function toYDoc(doc: PMNode, title: string): Y.Doc {
  const ydoc = new Y.Doc()
  ydoc.transact(() => {
    prosemirrorToYXmlFragment(doc, ydoc.getXmlFragment(CONTENT_FRAGMENT))
    ydoc.getText(TITLE_TEXT).insert(0, title)
  })
  return ydoc
}

