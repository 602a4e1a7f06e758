/**
 * Markdown input rules, run through the real input-rules plugin on a real
 * EditorState (the view is only the object the plugin reads state from).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EditorState, TextSelection, type Transaction } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { schema } from '../../shared/schema.js'
import { markdownInputRules } from '../../client/editor/inputrules.js'

const plugin = markdownInputRules()

/** A paragraph holding `before`, then `typed` typed at its end, one character at a time. */
function typeInto(before: string, typed: string): EditorState {
  const doc = schema.node('doc', null, [schema.node('paragraph', null, before ? [schema.text(before)] : [])])
  let state = EditorState.create({ doc, plugins: [plugin] })
  state = state.apply(state.tr.setSelection(TextSelection.create(state.doc, 1 + before.length)))
  for (const ch of typed) {
    const view = { state, composing: false, dispatch: (tr: Transaction) => (state = state.apply(tr)) } as unknown as EditorView
    const { from, to } = state.selection
    const handled = plugin.props.handleTextInput!.call(plugin, view, from, to, ch, () => state.tr)
    if (!handled) state = state.apply(state.tr.insertText(ch, from, to))
  }
  return state
}

const first = (state: EditorState) => state.doc.firstChild!

test('"# ", "## ", "### " start headings 1-3', () => {
  for (const level of [1, 2, 3]) {
    const node = first(typeInto('', `${'#'.repeat(level)} Title`))
    assert.equal(node.type.name, 'heading')
    assert.equal(node.attrs.level, level)
    assert.equal(node.textContent, 'Title')
  }
})

test('"* ", "- " start a bulleted list; "1. " a numbered one', () => {
  assert.equal(first(typeInto('', '* item')).type.name, 'bullet_list')
  assert.equal(first(typeInto('', '- item')).type.name, 'bullet_list')
  const ordered = first(typeInto('', '3. item'))
  assert.equal(ordered.type.name, 'ordered_list')
  assert.equal(ordered.attrs.order, 3)
})

test('"[ ] " starts a checklist, "> " a quote, "```" a code block, "---" a divider', () => {
  assert.equal(first(typeInto('', '[ ] buy milk')).type.name, 'task_list')
  assert.equal(first(typeInto('', '> quoted')).type.name, 'blockquote')
  assert.equal(first(typeInto('', '```')).type.name, 'code_block')
  assert.equal(first(typeInto('', '---')).type.name, 'horizontal_rule')
})

test('**bold**, *italic* and `code` become marks without their delimiters', () => {
  const bold = first(typeInto('say ', '**loud**'))
  assert.equal(bold.textContent, 'say loud')
  assert.deepEqual(bold.lastChild!.marks.map((m) => m.type.name), ['bold'])
  const italic = first(typeInto('say ', '*soft*'))
  assert.equal(italic.textContent, 'say soft')
  assert.deepEqual(italic.lastChild!.marks.map((m) => m.type.name), ['italic'])
  const code = first(typeInto('run ', '`ls`'))
  assert.equal(code.textContent, 'run ls')
  assert.deepEqual(code.lastChild!.marks.map((m) => m.type.name), ['code'])
})

test('rules fire only at the start of a paragraph where they should', () => {
  assert.equal(first(typeInto('not a ', '# heading')).type.name, 'paragraph')
  assert.equal(first(typeInto('2 ', '* 3 = 6')).type.name, 'paragraph')
})
