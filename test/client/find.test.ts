import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EditorState, TextSelection, type Command, type Transaction } from 'prosemirror-state'
import type { Node as PMNode } from 'prosemirror-model'
import { schema } from '../../shared/schema.js'
import {
  closeFind,
  findKey,
  findMatches,
  findNext,
  findPlugin,
  findPrevious,
  openFind,
  openReplace,
  replaceAll,
  replaceCurrent,
  setFindQuery,
} from '../../client/editor/find.js'

const bold = schema.marks.bold.create()
const p = (...content: (string | PMNode)[]) =>
  schema.node('paragraph', null, content.map((c) => (typeof c === 'string' ? schema.text(c) : c)))
const b = (text: string) => schema.text(text, [bold])
const doc = (...blocks: PMNode[]) => schema.node('doc', null, blocks)

/** Runs `command` on `state`, asserting it applies, and returns the new state with its transactions. */
function run(state: EditorState, command: Command): { state: EditorState; trs: Transaction[] } {
  const trs: Transaction[] = []
  const applied = command(state, (tr) => trs.push(tr))
  assert.ok(applied, 'command applies')
  return { state: trs.reduce((s, tr) => s.apply(tr), state), trs }
}

/** An editor state with the find bar open on `query`. */
function searching(d: PMNode, query: string, caseSensitive?: boolean): EditorState {
  let state = EditorState.create({ schema, doc: d, plugins: [findPlugin()] })
  state = run(state, openFind).state
  return run(state, setFindQuery(query, caseSensitive)).state
}

const texts = (state: EditorState) => findKey.getState(state)!.matches.map((m) => state.doc.textBetween(m.from, m.to))

test('a match crosses text nodes with different marks but not a block boundary', () => {
  const d = doc(p('say he', b('llo'), ' and hel'), p('lo there, hello'))
  const matches = findMatches(d, 'hello')
  assert.equal(matches.length, 2)
  assert.deepEqual(
    matches.map((m) => d.textBetween(m.from, m.to)),
    ['hello', 'hello'],
  )
  // The first is the one with the bold tail, in the first paragraph; "hel" + "lo" across paragraphs is no match.
  assert.equal(matches[0]!.from, 1 + 'say '.length)
  assert.ok(matches[1]!.from > d.child(0).nodeSize)
})

test('matching ignores case unless asked, and never crosses a hard break', () => {
  const d = doc(p('Hello HELLO hel', schema.node('hard_break'), 'lo'))
  assert.equal(findMatches(d, 'hello').length, 2)
  assert.equal(findMatches(d, 'hello', true).length, 0)
  assert.equal(findMatches(d, 'HELLO', true).length, 1)
  assert.equal(findMatches(d, '').length, 0)
  // Characters special to regular expressions are matched literally.
  assert.equal(findMatches(doc(p('a.b axb (a.b)')), '(a.b)').length, 1)
})

test('matches are highlighted only while the find bar is open, the current one marked apart', () => {
  const d = doc(p('one two one two one'))
  let state = searching(d, 'one')
  assert.deepEqual(texts(state), ['one', 'one', 'one'])
  const decorations = findKey.getState(state)!.decorations.find()
  assert.equal(decorations.length, 3)
  const classes = decorations.map((deco) => (deco as unknown as { type: { attrs: { class: string } } }).type.attrs.class)
  assert.deepEqual(classes, ['find-match find-match-current', 'find-match', 'find-match'])

  state = run(state, closeFind).state
  assert.equal(findKey.getState(state)!.matches.length, 0)
  assert.equal(findKey.getState(state)!.decorations.find().length, 0)
  assert.equal(closeFind(state), false, 'closing twice does nothing, so Escape falls through')
  // Reopening keeps the last query.
  state = run(state, openFind).state
  assert.equal(findKey.getState(state)!.matches.length, 3)
})

test('the current match is the first one at or after the selection', () => {
  const d = doc(p('one two one two one'))
  let state = EditorState.create({ schema, doc: d, plugins: [findPlugin()] })
  state = state.apply(state.tr.setSelection(TextSelection.create(state.doc, 6)))
  state = run(state, openFind).state
  state = run(state, setFindQuery('one')).state
  assert.equal(findKey.getState(state)!.current, 1)
})

test('next and previous select matches in order and wrap around', () => {
  let state = searching(doc(p('cat dog'), p('cat'), p('Cat')), 'cat')
  const selected = () => state.doc.textBetween(state.selection.from, state.selection.to)
  const find = () => findKey.getState(state)!
  const visited: number[] = []
  for (let i = 0; i < 4; i++) {
    const { state: next, trs } = run(state, findNext)
    assert.ok(trs[0]!.scrolledIntoView)
    state = next
    assert.equal(selected().toLowerCase(), 'cat')
    visited.push(find().current)
  }
  // The first press selects the current match; later ones move on, wrapping after the last.
  assert.deepEqual(visited, [0, 1, 2, 0])
  for (let i = 0; i < 3; i++) {
    state = run(state, findPrevious).state
    visited.push(find().current)
  }
  assert.deepEqual(visited.slice(4), [2, 1, 0])
  assert.equal(findNext(searching(doc(p('dog')), 'cat')), false, 'no match, nothing to do')
})

test('replacing the current match keeps its marks and moves on to the next', () => {
  let state = searching(doc(p(b('cat'), ' and cat and cat')), 'cat')
  state = run(state, replaceCurrent('dog')).state
  assert.equal(state.doc.textContent, 'dog and cat and cat')
  assert.ok(bold.isInSet(state.doc.nodeAt(1)!.marks), 'the replacement of bold text is bold')
  assert.equal(state.doc.textBetween(1, 4), 'dog')
  assert.deepEqual(state.doc.child(0).child(0).text, 'dog')
  // The next match is selected and current.
  assert.equal(state.doc.textBetween(state.selection.from, state.selection.to), 'cat')
  assert.equal(state.selection.from, 1 + 'dog and '.length)
  assert.equal(findKey.getState(state)!.current, 0)
  assert.equal(findKey.getState(state)!.matches.length, 2)

  // A replacement that contains the query is not replaced again.
  state = run(state, replaceCurrent('cats')).state
  assert.equal(state.doc.textContent, 'dog and cats and cat')
  assert.equal(state.selection.from, 1 + 'dog and cats and '.length)
})

test('replacing across marks takes the marks the match starts with', () => {
  const state = run(searching(doc(p('say he', b('llo'))), 'hello'), replaceAll('bye')).state
  assert.deepEqual(state.doc.toJSON(), doc(p('say bye')).toJSON())
})

test('replace all changes every match in one transaction, in every block', () => {
  const state = searching(doc(p('a cat, a ', b('Cat')), p('no dog'), p('cat')), 'cat')
  const { state: after, trs } = run(state, replaceAll('dog'))
  assert.equal(trs.length, 1)
  assert.deepEqual(after.doc.toJSON(), doc(p('a dog, a ', b('dog')), p('no dog'), p('dog')).toJSON())
  assert.equal(findKey.getState(after)!.matches.length, 0)
  assert.equal(replaceAll('dog')(after), false, 'nothing left to replace')
})

test('replacing with nothing deletes the matches but keeps their paragraph', () => {
  const state = run(searching(doc(p('x'), p('gone')), 'gone'), replaceAll('')).state
  assert.deepEqual(state.doc.toJSON(), doc(p('x'), schema.node('paragraph')).toJSON())
})

test('matches follow edits made elsewhere, such as a remote peer typing', () => {
  let state = searching(doc(p('hello world')), 'hello')
  assert.equal(findKey.getState(state)!.matches.length, 1)
  // y-prosemirror replaces the whole document on a remote change; the plugin rescans.
  const remote = doc(p('hello world hello'))
  state = state.apply(state.tr.replaceWith(0, state.doc.content.size, remote.content))
  assert.deepEqual(texts(state), ['hello', 'hello'])
})

test('opening takes the selected text as the query; replace opens the replace row', () => {
  let state = EditorState.create({ schema, doc: doc(p('find me here')), plugins: [findPlugin()] })
  state = state.apply(state.tr.setSelection(TextSelection.create(state.doc, 6, 8)))
  const before = findKey.getState(state)!.focusRequests
  state = run(state, openReplace).state
  const find = findKey.getState(state)!
  assert.equal(find.query, 'me')
  assert.ok(find.open && find.showReplace)
  assert.equal(find.focusRequests, before + 1)
  assert.equal(find.matches.length, 1)
})
