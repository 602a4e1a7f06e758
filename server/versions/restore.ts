/**
 * Restoring a version as a new edit. Instead of replacing the document (which
 * would delete, and so lose, whatever a collaborator is typing at that
 * moment), it computes the difference between the current document and the
 * version and applies only that, in one Yjs transaction: paragraphs the
 * version shares with the current document are left untouched, so concurrent
 * edits inside them survive, and the change is committed and relayed like
 * anyone's edit.
 */
import * as Y from 'yjs'
import type { Node as PMNode } from 'prosemirror-model'
import { updateYFragment } from 'y-prosemirror'
import { CONTENT_FRAGMENT, TITLE_TEXT } from '../../shared/docmodel.js'

/**
 * Makes `target` equal to `doc` (titled `title`) with the smallest edit it can
 * find, as one transaction with `origin`.
 */
export function restoreInto(target: Y.Doc, doc: PMNode, title: string, origin: unknown): void {
  target.transact(() => {
    // The same diff y-prosemirror runs for every local editor change.
    updateYFragment(target, target.getXmlFragment(CONTENT_FRAGMENT), doc, { mapping: new Map(), isOMark: new Map() })
    replaceChangedPart(target.getText(TITLE_TEXT), title)
  }, origin)
}

/**
 * Sets the document's title to `title` as one transaction with `origin`
 * (a rename from the document list): an ordinary edit of the title text,
 * relayed live and stored like anyone's.
 */
export function retitle(target: Y.Doc, title: string, origin: unknown): void {
  target.transact(() => replaceChangedPart(target.getText(TITLE_TEXT), title), origin)
}

/** Rewrites only the part of `text` between the common prefix and suffix. */
function replaceChangedPart(text: Y.Text, wanted: string): void {
  const current = text.toString()
  if (current === wanted) return
  let start = 0
  while (start < current.length && start < wanted.length && current[start] === wanted[start]) start++
  let end = 0
  while (
    end < current.length - start &&
    end < wanted.length - start &&
    current[current.length - 1 - end] === wanted[wanted.length - 1 - end]
  )
    end++
  text.delete(start, current.length - start - end)
  text.insert(start, wanted.slice(start, wanted.length - end))
}
