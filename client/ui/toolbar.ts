/**
 * The formatting toolbar. Each button runs an editor command; whether it is
 * enabled is that same command asked without dispatch, and whether it is
 * pressed is read from the state. The toolbar keeps no state of its own.
 */
import { Plugin, type Command, type EditorState } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { schema } from '../../shared/schema.js'
import * as cmd from '../editor/commands.js'

interface Button {
  id: string
  label: string
  title: string
  /** Runs on click, and (without dispatch) says whether the button is enabled. */
  run: Command
  /** For buttons that open a dialog instead of running `run` directly. */
  open?: (view: EditorView) => void
  active?: (state: EditorState) => boolean
}

const { marks, nodes } = schema

/** The toolbar's buttons, grouped; `null` draws a separator. */
function buttons(actions: { editLink(): void; insertImage(): void }): Array<Button | null> {
  return [
    { id: 'undo', label: '↶', title: 'Undo (Ctrl+Z)', run: cmd.undo },
    { id: 'redo', label: '↷', title: 'Redo (Ctrl+Shift+Z)', run: cmd.redo },
    null,
    { id: 'paragraph', label: 'Text', title: 'Normal text', run: cmd.setParagraph, active: (s) => cmd.blockActive(s, nodes.paragraph) },
    ...([1, 2, 3] as const).map((level) => ({
      id: `h${level}`,
      label: `H${level}`,
      title: `Heading ${level}`,
      run: cmd.setHeading(level),
      active: (s: EditorState) => cmd.blockActive(s, nodes.heading, { level }),
    })),
    null,
    { id: 'bold', label: 'B', title: 'Bold (Ctrl+B)', run: cmd.toggleBold, active: (s) => cmd.markActive(s, marks.bold) },
    { id: 'italic', label: 'I', title: 'Italic (Ctrl+I)', run: cmd.toggleItalic, active: (s) => cmd.markActive(s, marks.italic) },
    { id: 'underline', label: 'U', title: 'Underline (Ctrl+U)', run: cmd.toggleUnderline, active: (s) => cmd.markActive(s, marks.underline) },
    { id: 'strike', label: 'S', title: 'Strikethrough (Ctrl+Shift+X)', run: cmd.toggleStrike, active: (s) => cmd.markActive(s, marks.strike) },
    { id: 'code', label: '</>', title: 'Inline code (Ctrl+E)', run: cmd.toggleCode, active: (s) => cmd.markActive(s, marks.code) },
    { id: 'highlight', label: 'H̲', title: 'Highlight (Ctrl+Shift+H)', run: cmd.toggleHighlight, active: (s) => cmd.markActive(s, marks.highlight) },
    null,
    { id: 'bullet_list', label: '•', title: 'Bulleted list (Ctrl+Shift+8)', run: cmd.toggleBulletList, active: (s) => cmd.isInside(s, nodes.bullet_list) },
    { id: 'ordered_list', label: '1.', title: 'Numbered list (Ctrl+Shift+7)', run: cmd.toggleOrderedList, active: (s) => cmd.isInside(s, nodes.ordered_list) },
    { id: 'task_list', label: '☑', title: 'Checklist (Ctrl+Shift+9)', run: cmd.toggleTaskList, active: (s) => cmd.isInside(s, nodes.task_list) },
    { id: 'blockquote', label: '❝', title: 'Quote', run: cmd.toggleBlockquote, active: (s) => cmd.isInside(s, nodes.blockquote) },
    { id: 'code_block', label: '{ }', title: 'Code block', run: cmd.setCodeBlock, active: (s) => cmd.blockActive(s, nodes.code_block) },
    { id: 'horizontal_rule', label: '―', title: 'Divider', run: cmd.insertHorizontalRule },
    null,
    {
      id: 'link',
      label: 'Link',
      title: 'Link (Ctrl+K)',
      run: cmd.setLink('https://example.com'),
      open: () => actions.editLink(),
      active: (s) => cmd.markActive(s, marks.link),
    },
    {
      id: 'image',
      label: 'Image',
      title: 'Image by URL',
      run: cmd.insertImage('https://example.com/a.png'),
      open: () => actions.insertImage(),
    },
  ]
}

/** A plugin whose view renders the toolbar into `container`. */
export function toolbarPlugin(container: HTMLElement, actions: { editLink(): void; insertImage(): void }): Plugin {
  return new Plugin({
    view(view) {
      container.replaceChildren()
      const rendered: Array<{ button: Button; el: HTMLButtonElement }> = []
      for (const button of buttons(actions)) {
        if (!button) {
          container.append(Object.assign(document.createElement('span'), { className: 'sep' }))
          continue
        }
        const el = document.createElement('button')
        el.type = 'button'
        el.textContent = button.label
        el.title = button.title
        el.setAttribute('aria-label', button.title)
        el.dataset.command = button.id
        // Keep the editor's selection: act on mousedown, not focus change.
        el.addEventListener('mousedown', (e) => {
          e.preventDefault()
          if (el.disabled) return
          if (button.open) button.open(view)
          else button.run(view.state, view.dispatch, view)
          view.focus()
        })
        container.append(el)
        rendered.push({ button, el })
      }
      const update = (state: EditorState) => {
        for (const { button, el } of rendered) {
          const enabled = view.editable && button.run(state)
          el.disabled = !enabled
          if (button.active) el.setAttribute('aria-pressed', String(button.active(state)))
        }
      }
      update(view.state)
      return { update: (v) => update(v.state) }
    },
  })
}
