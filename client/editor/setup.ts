/**
 * The editor's plugin stack: Yjs sync, remote cursors, per-user undo, and the
 * everyday keyboard shortcuts. No prosemirror-history: undo goes through
 * Y.UndoManager so it only ever reverts the local user's own edits.
 */
import { EditorState, type Plugin } from 'prosemirror-state'
import { keymap } from 'prosemirror-keymap'
import { baseKeymap, toggleMark } from 'prosemirror-commands'
import { splitListItem, liftListItem, sinkListItem } from 'prosemirror-schema-list'
import { ySyncPlugin, yCursorPlugin, yUndoPlugin, undo, redo } from 'y-prosemirror'
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { schema } from '../../shared/schema.js'
// Find & replace
import { findPlugin, findKeymap } from './find.js'

/** The editor state for a Yjs fragment shared through `awareness`. */
export function createEditorState(fragment: Y.XmlFragment, awareness: Awareness): EditorState {
  const plugins: Plugin[] = [
    ySyncPlugin(fragment),
    yCursorPlugin(awareness),
    yUndoPlugin(),
    findPlugin(), findKeymap(), // Find & replace: before baseKeymap so Mod-F/Mod-H/Escape reach it
    keymap({
      'Mod-z': undo,
      'Mod-y': redo,
      'Mod-Shift-z': redo,
      'Mod-b': toggleMark(schema.marks.bold),
      'Mod-i': toggleMark(schema.marks.italic),
      Enter: splitListItem(schema.nodes.list_item),
      Tab: sinkListItem(schema.nodes.list_item),
      'Shift-Tab': liftListItem(schema.nodes.list_item),
    }),
    keymap(baseKeymap),
  ]
  return EditorState.create({ schema, plugins })
}
