/**
 * A small modal prompt built on <dialog>: one text field, OK and Cancel, and
 * an error line for input the editor refuses.
 */

/**
 * Asks for one value. `accept` returns an error message to keep the dialog
 * open, or null when the value was used.
 */
export function promptDialog(options: {
  title: string
  label: string
  value?: string
  placeholder?: string
  accept(value: string): string | null
}): void {
  const dialog = document.createElement('dialog')
  dialog.className = 'prompt'
  const form = document.createElement('form')
  form.method = 'dialog'
  const heading = document.createElement('h2')
  heading.textContent = options.title
  const label = document.createElement('label')
  label.textContent = options.label
  const input = document.createElement('input')
  input.type = 'text'
  input.value = options.value ?? ''
  input.placeholder = options.placeholder ?? ''
  label.append(input)
  const error = document.createElement('p')
  error.className = 'error'
  error.setAttribute('role', 'alert')
  const ok = Object.assign(document.createElement('button'), { type: 'submit', textContent: 'OK', className: 'primary' })
  const cancel = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Cancel' })
  const actions = document.createElement('div')
  actions.className = 'actions'
  actions.append(cancel, ok)
  form.append(heading, label, error, actions)
  dialog.append(form)
  document.body.append(dialog)
  cancel.addEventListener('click', () => dialog.close())
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const message = options.accept(input.value)
    if (message) {
      error.textContent = message
      input.focus()
      return
    }
    dialog.close()
  })
  dialog.addEventListener('close', () => dialog.remove())
  dialog.showModal()
  input.select()
}

/**
 * Asks to confirm something that cannot be undone. `confirm` runs only on the
 * confirm button; Cancel, Escape and the backdrop leave everything as it was.
 */
export function confirmDialog(options: { title: string; message: string; confirmLabel: string; confirm(): void }): void {
  const dialog = document.createElement('dialog')
  dialog.className = 'prompt confirm'
  const form = document.createElement('form')
  form.method = 'dialog'
  const heading = Object.assign(document.createElement('h2'), { textContent: options.title })
  const message = Object.assign(document.createElement('p'), { textContent: options.message })
  const ok = Object.assign(document.createElement('button'), { type: 'submit', textContent: options.confirmLabel, className: 'danger' })
  const cancel = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Cancel' })
  const actions = document.createElement('div')
  actions.className = 'actions'
  actions.append(cancel, ok)
  form.append(heading, message, actions)
  dialog.append(form)
  document.body.append(dialog)
  cancel.addEventListener('click', () => dialog.close())
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    dialog.close()
    options.confirm()
  })
  dialog.addEventListener('close', () => dialog.remove())
  dialog.showModal()
  // The safe choice has the focus, so a stray Enter does not delete.
  cancel.focus()
}
