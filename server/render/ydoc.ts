/**
 * Reads a document's Y.Doc as a ProseMirror node of the shared schema, on the
 * relay, without trusting its content.
 *
 * y-prosemirror's own converters throw on the first child the schema does not
 * know, and any client can write anything into the Y.Doc. This reader drops
 * what it cannot place (unknown nodes and marks, unsafe links and images,
 * content in the wrong place) and counts it, so one foreign node never makes
 * a whole document unreadable.
 */
import * as Y from 'yjs'
import { Fragment, type Mark, type Node as PMNode, type NodeType } from 'prosemirror-model'
import { isSafeHref, isSafeImageSrc, schema } from '../../shared/schema.js'
import { CONTENT_FRAGMENT, TITLE_TEXT, MAX_TITLE_LENGTH } from '../../shared/docmodel.js'

/** What a read had to leave out, by kind ("node:table", "mark:comment", ...). */
export type Dropped = Map<string, number>

/** A document as the relay renders it. */
export interface ReadDoc {
  title: string
  doc: PMNode
  /** Empty when the Y.Doc held nothing foreign. */
  dropped: Dropped
}

/** Reads the title and content of `ydoc`. Never throws on foreign content. */
export function readDoc(ydoc: Y.Doc): ReadDoc {
  const dropped: Dropped = new Map()
  const doc = fragmentToDoc(ydoc.getXmlFragment(CONTENT_FRAGMENT), dropped)
  return { title: ydoc.getText(TITLE_TEXT).toString().slice(0, MAX_TITLE_LENGTH), doc, dropped }
}

/**
 * Builds a Y.Doc from a version's updates: a full state, then the deltas on
 * it (server/store/versions.ts), applied in order in one transaction. Applied
 * rather than merged first: Y.mergeUpdates of a large state costs about as
 * much as applying it.
 */
export function docFromState(updates: Uint8Array | Uint8Array[]): Y.Doc {
  const ydoc = new Y.Doc({ gc: false })
  ydoc.transact(() => {
    for (const update of Array.isArray(updates) ? updates : [updates]) Y.applyUpdate(ydoc, update)
  })
  return ydoc
}

/** Converts a y-prosemirror fragment to a valid `doc` node, dropping what does not fit. */
export function fragmentToDoc(fragment: Y.XmlFragment, dropped: Dropped = new Map()): PMNode {
  const children = convertChildren(fragment, dropped)
  return build(schema.topNodeType, {}, children, dropped) ?? schema.topNodeType.createAndFill()!
}

function count(dropped: Dropped, what: string): void {
  dropped.set(what, (dropped.get(what) ?? 0) + 1)
}

function convertChildren(parent: Y.XmlFragment | Y.XmlElement, dropped: Dropped): PMNode[] {
  const out: PMNode[] = []
  for (const child of parent.toArray()) {
    if (child instanceof Y.XmlText) out.push(...convertText(child, dropped))
    else if (child instanceof Y.XmlElement) {
      const node = convertElement(child, dropped)
      if (node) out.push(node)
    } else count(dropped, 'node:#hook')
  }
  return out
}

function convertElement(element: Y.XmlElement, dropped: Dropped): PMNode | null {
  const type = schema.nodes[element.nodeName]
  if (!type || type === schema.topNodeType || type.isText) {
    count(dropped, `node:${element.nodeName}`)
    return null
  }
  const given = element.getAttributes() as Record<string, unknown>
  const attrs: Record<string, unknown> = {}
  // Only attributes the schema declares; y-prosemirror also writes "ychange".
  for (const name of Object.keys(type.spec.attrs ?? {})) if (given[name] !== undefined && given[name] !== null) attrs[name] = given[name]
  if (type === schema.nodes.image && !(typeof attrs.src === 'string' && isSafeImageSrc(attrs.src))) {
    count(dropped, 'attr:image.src')
    return null
  }
  return build(type, attrs, convertChildren(element, dropped), dropped)
}

/** Marks are stored as text attributes; overlapping ones get a "--hash" suffix (y-prosemirror). */
const HASHED_MARK = /^(.*)--[a-zA-Z0-9+/=]{8}$/

function convertText(text: Y.XmlText, dropped: Dropped): PMNode[] {
  const out: PMNode[] = []
  for (const op of text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>) {
    if (typeof op.insert !== 'string') {
      count(dropped, 'node:#embed')
      continue
    }
    if (op.insert === '') continue
    const marks: Mark[] = []
    for (const [key, value] of Object.entries(op.attributes ?? {})) {
      const name = HASHED_MARK.exec(key)?.[1] ?? key
      const type = schema.marks[name]
      if (!type) {
        count(dropped, `mark:${name}`)
        continue
      }
      if (type === schema.marks.link && !isSafeHref(String((value as { href?: unknown } | null)?.href ?? ''))) {
        count(dropped, 'attr:link.href')
        continue
      }
      try {
        marks.push(type.create((value ?? {}) as Record<string, unknown>))
      } catch {
        count(dropped, `mark:${name}`)
      }
    }
    out.push(schema.text(op.insert, markSet(marks)))
  }
  return out
}

/** Applies marks in schema order, honouring exclusions, as ProseMirror would. */
function markSet(marks: Mark[]): readonly Mark[] {
  let set: readonly Mark[] = []
  for (const mark of marks) set = mark.addToSet(set)
  return set
}

/**
 * Creates a node of `type`. When the children do not fit its content
 * expression, keeps those that do (in order), lets ProseMirror fill what is
 * required, and drops the node only when even that fails.
 */
function build(type: NodeType, attrs: Record<string, unknown>, children: PMNode[], dropped: Dropped): PMNode | null {
  const allowed = children.map((child) => (child.isText ? child.mark(type.allowedMarks(child.marks)) : child))
  try {
    return type.createChecked(attrs, allowed)
  } catch {
    // Fall through: keep what fits.
  }
  const kept: PMNode[] = []
  let match = type.contentMatch
  for (const child of allowed) {
    const next = match.matchType(child.type)
    if (next) {
      kept.push(child)
      match = next
    } else count(dropped, `misplaced:${child.type.name}`)
  }
  try {
    const node = type.createAndFill(attrs, Fragment.from(kept))
    if (node) return node
  } catch {
    // Invalid attributes: try the defaults below.
  }
  try {
    const node = type.createAndFill(null, Fragment.from(kept))
    if (node) {
      count(dropped, `attr:${type.name}`)
      return node
    }
  } catch {
    // No defaults either.
  }
  count(dropped, `node:${type.name}`)
  return null
}
