/**
 * Find and replace as editor state: the query, its matches and the current
 * match live in one plugin's state, so the highlights, the find bar and the
 * commands all read the same value.
 *
 * Matches are recomputed from the whole document on every change instead of
 * being mapped through the transaction: y-prosemirror applies a remote edit as
 * one replacement of the entire document, which a mapping cannot see through,
 * while a scan of every textblock is cheap next to the DOM work of that edit.
 * For the same reason the current match is derived from the selection (which
 * y-prosemirror does carry across remote edits through Yjs relative
 * positions): it is the first match that ends after the selection's start.
 */
import { Plugin, PluginKey, TextSelection, type Command, type EditorState, type Transaction } from 'prosemirror-state'
import { Decoration, DecorationSet } from 'prosemirror-view'
import { keymap } from 'prosemirror-keymap'
import type { Node as PMNode } from 'prosemirror-model'

/** One occurrence of the query, as document positions. */
export interface FindMatch {
  readonly from: number
  readonly to: number
}

/** The find plugin's state. */
export interface FindState {
  /** Whether the find bar is open; matches are only looked for (and shown) while it is. */
  readonly open: boolean
  /** Whether the find bar shows its replace row. */
  readonly showReplace: boolean
  readonly query: string
  readonly caseSensitive: boolean
  /** Every match in document order; empty while closed or when the query is empty. */
  readonly matches: readonly FindMatch[]
  /** Index into `matches` of the current match, -1 when there is none. */
  readonly current: number
  /**
   * Counts the open commands, so the find bar can move focus to its search
   * field each time one runs, even when it is already open.
   */
  readonly focusRequests: number
  readonly decorations: DecorationSet
}

/** What a transaction asks of the find plugin, as its `findKey` meta. */
type FindAction =
  | { readonly type: 'open'; readonly replace: boolean; readonly query?: string }
  | { readonly type: 'close' }
  | { readonly type: 'query'; readonly query: string; readonly caseSensitive?: boolean }

/** The key of the find plugin's state: `findKey.getState(state)`. */
export const findKey = new PluginKey<FindState>('find')

/**
 * Stands in for inline nodes that are not text (hard breaks) so that each
 * character of a textblock's string is exactly one document position, and
 * so that no query the user can type matches across such a node.
 */
const NON_TEXT = '\uFFFC'

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Every non-overlapping occurrence of `query` in `doc`. A match may cross
 * text nodes with different marks ("he**llo**" matches "hello") but never a
 * block boundary. Case-insensitive matching uses the regular expression `i`
 * flag rather than lowercasing, because lowercasing can change a string's
 * length ("İ") and so break the mapping back to positions.
 */
export function findMatches(doc: PMNode, query: string, caseSensitive = false): FindMatch[] {
  const matches: FindMatch[] = []
  if (!query) return matches
  const pattern = new RegExp(escapeRegExp(query), caseSensitive ? 'gu' : 'giu')
  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true
    const text = node.textBetween(0, node.content.size, undefined, NON_TEXT)
    const start = pos + 1
    for (const found of text.matchAll(pattern)) {
      matches.push({ from: start + found.index, to: start + found.index + found[0].length })
    }
    return false
  })
  return matches
}

/** The index of the first match that ends after `pos` (so a match holding the cursor counts), wrapping to 0. */
function currentFor(matches: readonly FindMatch[], pos: number): number {
  if (matches.length === 0) return -1
  const index = matches.findIndex((m) => m.to > pos)
  return index === -1 ? 0 : index
}

function decorate(doc: PMNode, matches: readonly FindMatch[], current: number): DecorationSet {
  if (matches.length === 0) return DecorationSet.empty
  return DecorationSet.create(
    doc,
    matches.map((m, i) =>
      Decoration.inline(m.from, m.to, { class: i === current ? 'find-match find-match-current' : 'find-match' }),
    ),
  )
}

const CLOSED: FindState = {
  open: false,
  showReplace: false,
  query: '',
  caseSensitive: false,
  matches: [],
  current: -1,
  focusRequests: 0,
  decorations: DecorationSet.empty,
}

function applyFind(tr: Transaction, prev: FindState): FindState {
  const action = tr.getMeta(findKey) as FindAction | undefined
  let next = prev
  if (action?.type === 'open') {
    next = {
      ...prev,
      open: true,
      showReplace: action.replace,
      query: action.query ?? prev.query,
      focusRequests: prev.focusRequests + 1,
    }
  } else if (action?.type === 'close') {
    next = { ...prev, open: false, showReplace: false }
  } else if (action?.type === 'query') {
    next = { ...prev, query: action.query, caseSensitive: action.caseSensitive ?? prev.caseSensitive }
  }
  if (!next.open) {
    return next.matches.length === 0 ? next : { ...next, matches: [], current: -1, decorations: DecorationSet.empty }
  }
  const rescan = next !== prev || tr.docChanged
  if (!rescan && !tr.selectionSet) return prev
  const matches = rescan ? findMatches(tr.doc, next.query, next.caseSensitive) : prev.matches
  const current = currentFor(matches, tr.selection.from)
  if (!rescan && current === prev.current) return prev
  return { ...next, matches, current, decorations: decorate(tr.doc, matches, current) }
}

/** The find plugin: its state (see `FindState`) and the match highlights. */
export function findPlugin(): Plugin<FindState> {
  return new Plugin<FindState>({
    key: findKey,
    state: {
      init: () => CLOSED,
      apply: (tr, prev) => applyFind(tr, prev),
    },
    props: {
      decorations: (state) => findKey.getState(state)?.decorations,
    },
  })
}

/**
 * The selected text when it can serve as a query: non-empty and inside one
 * textblock, as a browser's find would offer it.
 */
function selectedQuery(state: EditorState): string | undefined {
  const { from, to, $from } = state.selection
  if (from === to || !$from.parent.isTextblock || to > $from.end()) return undefined
  const text = state.doc.textBetween(from, to, undefined, NON_TEXT)
  return text.includes(NON_TEXT) ? undefined : text
}

function open(replace: boolean): Command {
  return (state, dispatch) => {
    if (!findKey.getState(state)) return false
    if (dispatch) dispatch(state.tr.setMeta(findKey, { type: 'open', replace, query: selectedQuery(state) } satisfies FindAction))
    return true
  }
}

/** Opens the find bar (focusing its search field), taking the selected text as the query if there is one. */
export const openFind: Command = open(false)

/** Opens the find bar with its replace row, like `openFind`. */
export const openReplace: Command = open(true)

/** Closes the find bar and removes the highlights; false when it is not open, so Escape falls through. */
export const closeFind: Command = (state, dispatch) => {
  if (!findKey.getState(state)?.open) return false
  if (dispatch) dispatch(state.tr.setMeta(findKey, { type: 'close' } satisfies FindAction))
  return true
}

/** Sets the query (and, when given, case sensitivity); the current match becomes the first one at or after the selection. */
export function setFindQuery(query: string, caseSensitive?: boolean): Command {
  return (state, dispatch) => {
    if (!findKey.getState(state)) return false
    if (dispatch) dispatch(state.tr.setMeta(findKey, { type: 'query', query, caseSensitive } satisfies FindAction))
    return true
  }
}

function isSelected(state: EditorState, match: FindMatch | undefined): boolean {
  return match !== undefined && state.selection.from === match.from && state.selection.to === match.to
}

/** Selects `match` and scrolls it into view; the plugin then makes it current, since it follows the selection. */
function select(state: EditorState, match: FindMatch): Transaction {
  return state.tr.setSelection(TextSelection.create(state.doc, match.from, match.to)).scrollIntoView()
}

/**
 * Selects the current match, or the one after it when the current match is
 * already selected, wrapping from the last to the first. False when there is
 * no match.
 */
export const findNext: Command = (state, dispatch) => {
  const find = findKey.getState(state)
  if (!find || find.current < 0) return false
  const { matches, current } = find
  const index = isSelected(state, matches[current]) ? (current + 1) % matches.length : current
  if (dispatch) dispatch(select(state, matches[index]!))
  return true
}

/**
 * Selects the last match that starts before the selection, wrapping from the
 * first to the last. False when there is no match.
 */
export const findPrevious: Command = (state, dispatch) => {
  const find = findKey.getState(state)
  if (!find || find.current < 0) return false
  const { matches } = find
  const before = matches.findLastIndex((m) => m.from < state.selection.from)
  const index = before === -1 ? matches.length - 1 : before
  if (dispatch) dispatch(select(state, matches[index]!))
  return true
}

/**
 * Replaces the text of `match` in `tr` with `text`, with the marks the match
 * starts with, as typing over a selection does: a bold word stays bold, and
 * replacing "he**llo**" gives plain text. Unlike `tr.insertText`, this
 * ignores the selection's stored marks and never widens an empty
 * replacement into deleting the enclosing block.
 */
function replaceMatch(tr: Transaction, match: FindMatch, text: string): void {
  if (!text) {
    tr.delete(match.from, match.to)
    return
  }
  const marks = tr.doc.resolve(match.from).marksAcross(tr.doc.resolve(match.to)) ?? undefined
  tr.replaceWith(match.from, match.to, tr.doc.type.schema.text(text, marks))
}

/**
 * Replaces the current match with `text`, then selects the next match after
 * the replacement (wrapping), so repeating it walks through the document.
 * False when there is no match.
 */
export function replaceCurrent(text: string): Command {
  return (state, dispatch) => {
    const find = findKey.getState(state)
    if (!find || find.current < 0) return false
    if (dispatch) {
      const match = find.matches[find.current]!
      const tr = state.tr
      replaceMatch(tr, match, text)
      const after = match.from + text.length
      // Look for the next match in the new document: the replacement itself may contain the query.
      const matches = findMatches(tr.doc, find.query, find.caseSensitive)
      const next = matches.find((m) => m.from >= after) ?? matches[0]
      if (next) tr.setSelection(TextSelection.create(tr.doc, next.from, next.to))
      else tr.setSelection(TextSelection.create(tr.doc, after))
      dispatch(tr.scrollIntoView())
    }
    return true
  }
}

/** Replaces every match with `text` in one transaction. False when there is no match. */
export function replaceAll(text: string): Command {
  return (state, dispatch) => {
    const find = findKey.getState(state)
    if (!find || find.matches.length === 0) return false
    if (dispatch) {
      const tr = state.tr
      // Last to first, so that each match's positions are still those of the original document.
      for (let i = find.matches.length - 1; i >= 0; i--) replaceMatch(tr, find.matches[i]!, text)
      dispatch(tr)
    }
    return true
  }
}

/**
 * The find shortcuts, to be placed before the base keymap. A bound command
 * that returns true makes ProseMirror call preventDefault, which keeps the
 * browser's own find (Mod-F) from opening.
 */
export function findKeymap(): Plugin {
  return keymap({
    'Mod-f': openFind,
    'Mod-h': openReplace,
    'Mod-g': findNext,
    'Shift-Mod-g': findPrevious,
    Escape: closeFind,
  })
}
