/**
 * The editor's plugin stack: Yjs sync, remote cursors, per-user undo,
 * Markdown input rules and the everyday keyboard shortcuts. No
 * prosemirror-history: undo goes through Y.UndoManager, so it only ever
 * reverts the local user's own edits.
 */
import { EditorState, type Plugin } from 'prosemirror-state'
import { keymap } from 'prosemirror-keymap'
import { baseKeymap, chainCommands, exitCode } from 'prosemirror-commands'
import { dropCursor } from 'prosemirror-dropcursor'
import { gapCursor } from 'prosemirror-gapcursor'
import { ySyncPlugin, yCursorPlugin, yUndoPlugin } from 'y-prosemirror'
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { schema } from '../../shared/schema.js'
import * as cmd from './commands.js'
import { markdownInputRules } from './inputrules.js'
import { cursorBuilder } from './cursors.js'
import { findPlugin, findKeymap } from './find.js'

export interface EditorSetupOptions {
  /** Opens the link dialog (Mod-K). */
  editLink(): void
  /** Extra plugins, placed before the base keymap. */
  plugins?: Plugin[]
}

/** The editor state for a Yjs fragment shared through `awareness`. */
export function createEditorState(fragment: Y.XmlFragment, awareness: Awareness, options: EditorSetupOptions): EditorState {
  const plugins: Plugin[] = [
    ySyncPlugin(fragment),
    yCursorPlugin(awareness, { cursorBuilder }),
    yUndoPlugin(),
    markdownInputRules(),
    findPlugin(),
    // Before the base keymap, so Mod-F / Mod-H / Escape reach find first.
    findKeymap(),
    keymap({
      'Mod-z': cmd.undo,
      'Mod-y': cmd.redo,
      'Mod-Shift-z': cmd.redo,
      'Mod-b': cmd.toggleBold,
      'Mod-i': cmd.toggleItalic,
      'Mod-u': cmd.toggleUnderline,
      'Mod-Shift-x': cmd.toggleStrike,
      'Mod-e': cmd.toggleCode,
      'Mod-Shift-h': cmd.toggleHighlight,
      'Mod-k': () => {
        options.editLink()
        return true
      },
      'Mod-Alt-0': cmd.setParagraph,
      'Mod-Alt-1': cmd.setHeading(1),
      'Mod-Alt-2': cmd.setHeading(2),
      'Mod-Alt-3': cmd.setHeading(3),
      'Mod-Shift-7': cmd.toggleOrderedList,
      'Mod-Shift-8': cmd.toggleBulletList,
      'Mod-Shift-9': cmd.toggleTaskList,
      'Shift-Enter': chainCommands(exitCode, cmd.insertHardBreak),
      'Mod-Enter': chainCommands(exitCode, cmd.insertHardBreak),
      Enter: cmd.splitItem,
      Tab: cmd.sinkItem,
      'Shift-Tab': cmd.liftItem,
    }),
    ...(options.plugins ?? []),
    keymap(baseKeymap),
    dropCursor(),
    gapCursor(),
  ]
  return EditorState.create({ schema, plugins })
}
