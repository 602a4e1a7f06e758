/**
 * The find bar: search and replace fields, the "x of N" count, previous/next,
 * Replace and Replace all. It shows the find plugin's state (open or not,
 * query, matches) and acts only through the find commands, so the keyboard
 * shortcuts and the buttons do exactly the same thing. Only the replacement
 * text lives here, in its field, because it is not part of the editor state.
 */
import { Plugin, type Command, type EditorState, type PluginView } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import {
  closeFind,
  findKey,
  findNext,
  findPrevious,
  openFind,
  openReplace,
  replaceAll,
  replaceCurrent,
  setFindQuery,
  type FindState,
} from '../editor/find.js'

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props)
  node.append(...children)
  return node
}

function button(label: string, title: string, className = ''): HTMLButtonElement {
  // type=button: never submit anything; the title doubles as the accessible name of the symbol buttons.
  return element('button', { type: 'button', title, className, ariaLabel: title }, label)
}

/** "x of N", "No matches", or nothing while the query is empty. */
export function matchCountLabel(find: FindState): string {
  if (!find.query) return ''
  if (find.matches.length === 0) return 'No matches'
  return `${find.current + 1} of ${find.matches.length}`
}

/** True for the platform's Mod key: Cmd on Apple systems, Ctrl elsewhere, as prosemirror-keymap reads it. */
function isMod(event: KeyboardEvent): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform) ? event.metaKey : event.ctrlKey
}

/**
 * Builds the find bar inside `container` (which it shows and hides) for
 * `view`, and returns the plugin view that keeps it in step with the editor
 * state. Use it through `findBarPlugin`.
 */
export function mountFindBar(view: EditorView, container: HTMLElement): PluginView {
  const search = element('input', { type: 'text', className: 'find-input', placeholder: 'Find', ariaLabel: 'Find' })
  const count = element('span', { className: 'find-count', ariaLive: 'polite' })
  const previous = button('↑', 'Previous match (Shift+Enter)', 'find-previous')
  const next = button('↓', 'Next match (Enter)', 'find-next')
  const caseBox = element('input', { type: 'checkbox', className: 'find-case' })
  const caseLabel = element('label', { className: 'find-case-label', title: 'Match case' }, caseBox, 'Aa')
  const close = button('✕', 'Close (Escape)', 'find-close')
  const replacement = element('input', {
    type: 'text',
    className: 'replace-input',
    placeholder: 'Replace with',
    ariaLabel: 'Replace with',
  })
  const replaceOne = button('Replace', 'Replace this match', 'find-replace')
  const replaceEvery = button('Replace all', 'Replace every match', 'find-replace-all')
  const replaceRow = element('div', { className: 'findbar-row findbar-replace' }, replacement, replaceOne, replaceEvery)

  container.replaceChildren(
    element('div', { className: 'findbar-row' }, search, count, previous, next, caseLabel, close),
    replaceRow,
  )
  container.setAttribute('role', 'search')
  container.hidden = true

  const run = (command: Command) => command(view.state, view.dispatch)
  const closeBar = () => {
    run(closeFind)
    view.focus()
  }

  search.addEventListener('input', () => run(setFindQuery(search.value)))
  caseBox.addEventListener('change', () => run(setFindQuery(search.value, caseBox.checked)))
  search.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing) return
    event.preventDefault()
    run(event.shiftKey ? findPrevious : findNext)
  })
  replacement.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing) return
    event.preventDefault()
    run(replaceCurrent(replacement.value))
  })
  // Shortcuts that must work while focus is in the bar, where the editor's keymap does not see them.
  container.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      closeBar()
    } else if (isMod(event) && !event.altKey && /^[fh]$/i.test(event.key)) {
      // Keep the browser's own find from opening over ours.
      event.preventDefault()
      run(event.key.toLowerCase() === 'h' ? openReplace : openFind)
    }
  })
  previous.addEventListener('click', () => run(findPrevious))
  next.addEventListener('click', () => run(findNext))
  replaceOne.addEventListener('click', () => run(replaceCurrent(replacement.value)))
  replaceEvery.addEventListener('click', () => run(replaceAll(replacement.value)))
  close.addEventListener('click', closeBar)

  let focusRequests = 0
  const render = (state: EditorState) => {
    const find = findKey.getState(state)
    if (!find) return
    container.hidden = !find.open
    replaceRow.hidden = !find.showReplace
    if (!find.open) return
    // The query's one home is the plugin state; the field only mirrors it (an open command may set it from the selection).
    if (search.value !== find.query) search.value = find.query
    caseBox.checked = find.caseSensitive
    count.textContent = matchCountLabel(find)
    previous.disabled = !findPrevious(state)
    next.disabled = !findNext(state)
    replaceOne.disabled = !replaceCurrent(replacement.value)(state)
    replaceEvery.disabled = !replaceAll(replacement.value)(state)
    if (find.focusRequests !== focusRequests) {
      focusRequests = find.focusRequests
      const field = find.showReplace && find.query ? replacement : search
      field.focus()
      field.select()
    }
  }
  focusRequests = findKey.getState(view.state)?.focusRequests ?? 0
  render(view.state)
  return {
    update: (updated) => render(updated.state),
    destroy: () => container.replaceChildren(),
  }
}

/** A view plugin (for `EditorView`'s `plugins` prop) that runs `mountFindBar` on `container`. */
export function findBarPlugin(container: HTMLElement): Plugin {
  return new Plugin({ view: (view) => mountFindBar(view, container) })
}
