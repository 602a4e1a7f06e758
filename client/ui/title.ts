/**
 * The document title: an input bound to the Y.Text holding the title, so
 * two people renaming at once merge like any text, and the browser tab shows
 * it.
 */
import type * as Y from 'yjs'
import { MAX_TITLE_LENGTH } from '../../shared/docmodel.js'

export const UNTITLED = 'Untitled document'

export function bindTitle(input: HTMLInputElement, title: Y.Text): void {
  input.maxLength = MAX_TITLE_LENGTH
  const show = () => {
    const value = title.toString()
    if (input.value !== value) {
      // Keep the caret where it was, as far as the new text allows.
      const caret = input.selectionStart
      input.value = value
      if (document.activeElement === input && caret !== null) input.setSelectionRange(caret, caret)
    }
    document.title = `${value.trim() || UNTITLED} – Tandem`
  }
  input.addEventListener('input', () => {
    const before = title.toString()
    const after = input.value
    // Apply the edit as the smallest splice, so concurrent renames merge.
    let start = 0
    while (start < before.length && start < after.length && before[start] === after[start]) start++
    let end = 0
    while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++
    title.doc!.transact(() => {
      if (before.length - start - end > 0) title.delete(start, before.length - start - end)
      if (after.length - start - end > 0) title.insert(start, after.slice(start, after.length - end))
    })
  })
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault()
      ;(document.querySelector('.ProseMirror') as HTMLElement | null)?.focus()
    }
  })
  title.observe(show)
  show()
}
