/**
 * Editor commands. Each is a plain ProseMirror command
 * `(state, dispatch?) => boolean`, so the toolbar asks the same function
 * whether a button is enabled (no dispatch) and runs it on click.
 */
import { type Command, type EditorState, TextSelection } from 'prosemirror-state'
import type { MarkType, NodeType } from 'prosemirror-model'
import { setBlockType, toggleMark, wrapIn, lift } from 'prosemirror-commands'
import { wrapInList, liftListItem, sinkListItem, splitListItem } from 'prosemirror-schema-list'
import { undoCommand, redoCommand } from 'y-prosemirror'
import { schema, isSafeHref, isSafeImageSrc } from '../../shared/schema.js'

const { nodes, marks } = schema

export const undo: Command = undoCommand
export const redo: Command = redoCommand

export const toggleBold = toggleMark(marks.bold)
export const toggleItalic = toggleMark(marks.italic)
export const toggleUnderline = toggleMark(marks.underline)
export const toggleStrike = toggleMark(marks.strike)
export const toggleCode = toggleMark(marks.code)
export const toggleHighlight = toggleMark(marks.highlight)

export const setParagraph = setBlockType(nodes.paragraph)
export const setHeading = (level: 1 | 2 | 3): Command => setBlockType(nodes.heading, { level })
export const setCodeBlock = setBlockType(nodes.code_block)

/** Wraps the selection in a blockquote, or lifts it out of one. */
export const toggleBlockquote: Command = (state, dispatch) =>
  isInside(state, nodes.blockquote) ? lift(state, dispatch) : wrapIn(nodes.blockquote)(state, dispatch)

/** Turns the selection into a list of `listType`, or lifts it out when already one. */
function toggleList(listType: NodeType, itemType: NodeType): Command {
  return (state, dispatch) => {
    if (isInside(state, listType)) return liftListItem(itemType)(state, dispatch)
    return wrapInList(listType)(state, dispatch)
  }
}
export const toggleBulletList = toggleList(nodes.bullet_list, nodes.list_item)
export const toggleOrderedList = toggleList(nodes.ordered_list, nodes.list_item)
export const toggleTaskList = toggleList(nodes.task_list, nodes.task_item)

/** Enter in a list item (plain or task) splits it. */
export const splitItem: Command = (state, dispatch) =>
  splitListItem(nodes.list_item)(state, dispatch) || splitListItem(nodes.task_item, { checked: false })(state, dispatch)
/** Tab nests a list item under its previous sibling. */
export const sinkItem: Command = (state, dispatch) =>
  sinkListItem(nodes.list_item)(state, dispatch) || sinkListItem(nodes.task_item)(state, dispatch)
/** Shift-Tab moves a list item out one level. */
export const liftItem: Command = (state, dispatch) =>
  liftListItem(nodes.list_item)(state, dispatch) || liftListItem(nodes.task_item)(state, dispatch)

export const insertHorizontalRule: Command = (state, dispatch) => {
  const hr = nodes.horizontal_rule
  if (!canInsert(state, hr)) return false
  if (dispatch) dispatch(state.tr.replaceSelectionWith(hr.create()).scrollIntoView())
  return true
}

/** Thrown (as a message for the user) when a URL is not acceptable. */
export class UnsafeUrlError extends Error {}

/**
 * Links the selection to `href`; an empty `href` removes the link. Refuses
 * anything but http, https and mailto. Without a selection, inserts `href`
 * as linked text.
 */
export function setLink(href: string): Command {
  return (state, dispatch) => {
    const { from, to, empty } = state.selection
    const trimmed = href.trim()
    if (trimmed === '') {
      if (!markActive(state, marks.link)) return false
      if (dispatch) dispatch(state.tr.removeMark(from, to, marks.link))
      return true
    }
    if (!isSafeHref(trimmed)) throw new UnsafeUrlError('Links must start with http://, https:// or mailto:')
    if (!state.selection.$from.parent.inlineContent || state.selection.$from.parent.type.spec.code) return false
    if (dispatch) {
      const mark = marks.link.create({ href: trimmed })
      const tr = empty
        ? state.tr.insert(from, schema.text(trimmed, [mark]))
        : state.tr.removeMark(from, to, marks.link).addMark(from, to, mark)
      dispatch(tr.scrollIntoView())
    }
    return true
  }
}

/** Inserts an image by URL (http or https only). */
export function insertImage(src: string, alt = ''): Command {
  return (state, dispatch) => {
    if (!canInsert(state, nodes.image)) return false
    if (!isSafeImageSrc(src)) throw new UnsafeUrlError('Images must be http:// or https:// URLs')
    if (dispatch) dispatch(state.tr.replaceSelectionWith(nodes.image.create({ src: src.trim(), alt })).scrollIntoView())
    return true
  }
}

/** Inserts a hard line break (Shift-Enter). */
export const insertHardBreak: Command = (state, dispatch) => {
  if (!canInsert(state, nodes.hard_break)) return false
  if (dispatch) dispatch(state.tr.replaceSelectionWith(nodes.hard_break.create()).scrollIntoView())
  return true
}

/** Flips the checkbox of the task item at `pos`. */
export function toggleTaskChecked(pos: number): Command {
  return (state, dispatch) => {
    const node = state.doc.nodeAt(pos)
    if (!node || node.type !== nodes.task_item) return false
    if (dispatch) dispatch(state.tr.setNodeMarkup(pos, undefined, { ...node.attrs, checked: !node.attrs.checked }))
    return true
  }
}

/** True when the mark is on the selection (or in the stored marks at the cursor). */
export function markActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks())
  return state.doc.rangeHasMark(from, to, type)
}

/** True when the selection's first block is `type` with these attrs. */
export function blockActive(state: EditorState, type: NodeType, attrs: Record<string, unknown> = {}): boolean {
  const parent = state.selection.$from.parent
  return parent.type === type && Object.entries(attrs).every(([k, v]) => parent.attrs[k] === v)
}

/** True when the selection sits inside a node of `type`. */
export function isInside(state: EditorState, type: NodeType): boolean {
  const { $from } = state.selection
  for (let d = $from.depth; d > 0; d--) if ($from.node(d).type === type) return true
  return false
}

/** The link's href at the selection, if any. */
export function activeLink(state: EditorState): string | null {
  const { $from } = state.selection
  const mark = marks.link.isInSet($from.marks()) ?? marks.link.isInSet($from.nodeAfter?.marks ?? [])
  return mark ? (mark.attrs.href as string) : null
}

function canInsert(state: EditorState, type: NodeType): boolean {
  const $from = state.selection.$from
  for (let d = $from.depth; d >= 0; d--) {
    const index = $from.index(d)
    if ($from.node(d).canReplaceWith(index, index, type)) return true
  }
  return false
}

/** Puts the cursor at the end of the document (used after loading). */
export const selectEnd: Command = (state, dispatch) => {
  if (dispatch) dispatch(state.tr.setSelection(TextSelection.atEnd(state.doc)))
  return true
}
