/**
 * The live "N words · M characters" line. It is a plugin view, so the editor
 * calls it on every state change without any wiring in the page; it reads the
 * state each time and keeps nothing but a cache of the whole document's count.
 */
import { Plugin, type EditorState, type PluginView } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import type { Node as PMNode } from 'prosemirror-model'
import { countText, type TextCounts } from '../../shared/counts.js'

/** The counts of the text between `from` and `to`; blocks and hard breaks separate words. */
export function countRange(doc: PMNode, from: number, to: number): TextCounts {
  return countText(doc.textBetween(from, to, '\n', '\n'))
}

const number = new Intl.NumberFormat('en-US')
const plural = (n: number, word: string) => `${word}${n === 1 ? '' : 's'}`

/**
 * The status text for `state`: the document's counts, or, when the selection
 * is not empty, the selection's counts out of the document's.
 * `total` may be passed when already known, to skip counting the document.
 */
export function countsLabel(state: EditorState, total: TextCounts = countRange(state.doc, 0, state.doc.content.size)): string {
  const { from, to, empty } = state.selection
  if (empty) {
    return `${number.format(total.words)} ${plural(total.words, 'word')} · ${number.format(total.characters)} ${plural(total.characters, 'character')}`
  }
  const part = countRange(state.doc, from, to)
  return (
    `${number.format(part.words)} of ${number.format(total.words)} ${plural(total.words, 'word')} · ` +
    `${number.format(part.characters)} of ${number.format(total.characters)} ${plural(total.characters, 'character')}`
  )
}

/**
 * Shows the counts of `view`'s document in `element` and returns the plugin
 * view that keeps them current. The document is recounted only when it
 * changed, so moving the cursor costs nothing but the selection's count.
 */
export function mountCounts(view: EditorView, element: HTMLElement): PluginView {
  let countedDoc: PMNode | null = null
  let total: TextCounts = { words: 0, characters: 0 }
  const render = (state: EditorState) => {
    if (state.doc !== countedDoc) {
      countedDoc = state.doc
      total = countRange(state.doc, 0, state.doc.content.size)
    }
    const label = countsLabel(state, total)
    if (element.textContent !== label) element.textContent = label
  }
  render(view.state)
  return {
    update: (updated) => render(updated.state),
    destroy: () => {
      element.textContent = ''
    },
  }
}

/** A view plugin (for `EditorView`'s `plugins` prop, or a state's plugin list) that runs `mountCounts` on `element`. */
export function countsPlugin(element: HTMLElement): Plugin {
  return new Plugin({ view: (view) => mountCounts(view, element) })
}
