/**
 * The task-list item view: a real checkbox beside the item's content. The
 * checkbox is outside the editable content, so ticking it is one attribute
 * change that syncs like any other edit.
 */
import type { Node as PMNode } from 'prosemirror-model'
import type { EditorView, NodeView } from 'prosemirror-view'
import { toggleTaskChecked } from './commands.js'

export class TaskItemView implements NodeView {
  readonly dom: HTMLLIElement
  readonly contentDOM: HTMLDivElement
  private readonly checkbox: HTMLInputElement

  constructor(
    private node: PMNode,
    view: EditorView,
    getPos: () => number | undefined,
  ) {
    this.dom = document.createElement('li')
    this.dom.className = 'task-item'
    const label = document.createElement('label')
    label.contentEditable = 'false'
    this.checkbox = document.createElement('input')
    this.checkbox.type = 'checkbox'
    this.checkbox.setAttribute('aria-label', 'Done')
    this.checkbox.addEventListener('mousedown', (e) => e.preventDefault())
    this.checkbox.addEventListener('click', (e) => {
      const pos = getPos()
      // Cancelling a click makes the browser restore the box afterwards, over
      // what render() set, so cancel only when the click changes nothing.
      if (pos === undefined || !view.editable) return e.preventDefault()
      toggleTaskChecked(pos)(view.state, view.dispatch)
    })
    label.append(this.checkbox)
    this.contentDOM = document.createElement('div')
    this.dom.append(label, this.contentDOM)
    this.render()
  }

  update(node: PMNode): boolean {
    if (node.type !== this.node.type) return false
    this.node = node
    this.render()
    return true
  }

  ignoreMutation(mutation: { type: string; target: Node }): boolean {
    return mutation.type === 'attributes' && !this.contentDOM.contains(mutation.target)
  }

  private render(): void {
    const checked = this.node.attrs.checked as boolean
    this.checkbox.checked = checked
    this.dom.dataset.checked = String(checked)
  }
}
