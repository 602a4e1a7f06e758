import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EditorState, TextSelection } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'
import { countsLabel } from '../../client/ui/counts.js'

const p = (text: string) => schema.node('paragraph', null, text ? [schema.text(text)] : [])
const state = (...texts: string[]) => EditorState.create({ schema, doc: schema.node('doc', null, texts.map(p)) })

test('the label counts the whole document, words not joined across paragraphs', () => {
  assert.equal(countsLabel(state('Hello world', 'again')), '3 words · 16 characters')
  assert.equal(countsLabel(state('one')), '1 word · 3 characters')
  assert.equal(countsLabel(state('')), '0 words · 0 characters')
  assert.equal(countsLabel(state('안녕하세요 세계')), '2 words · 8 characters')
})

test('a hard break separates words', () => {
  const doc = schema.node('doc', null, [
    schema.node('paragraph', null, [schema.text('one'), schema.node('hard_break'), schema.text('two')]),
  ])
  assert.equal(countsLabel(EditorState.create({ schema, doc })), '2 words · 6 characters')
})

test('with a selection, the label counts the selection out of the whole', () => {
  let s = state('Hello world', 'again')
  // "llo wor": 2 partial words, 7 characters.
  s = s.apply(s.tr.setSelection(TextSelection.create(s.doc, 3, 10)))
  assert.equal(countsLabel(s), '2 of 3 words · 7 of 16 characters')
  // Across the paragraph break: "world" + "again".
  s = s.apply(s.tr.setSelection(TextSelection.create(s.doc, 7, 19)))
  assert.equal(countsLabel(s), '2 of 3 words · 10 of 16 characters')
})
