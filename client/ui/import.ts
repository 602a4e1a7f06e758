/**
 * Import: pick a Markdown or HTML file, the relay turns it into a new
 * document, and the page opens it. Used by the File menu and the document list.
 */
import { importFile } from '../api/docs.js'

/**
 * A hidden file input (to place in the page) and `open()` to show the picker;
 * progress and failures are written to `status`.
 */
export function importPicker(status: HTMLElement): { input: HTMLInputElement; open(): void } {
  const input = Object.assign(document.createElement('input'), {
    type: 'file',
    accept: '.md,.markdown,.txt,.html,.htm,text/markdown,text/html',
    hidden: true,
  })
  input.addEventListener('change', async () => {
    const file = input.files?.[0]
    input.value = ''
    if (!file) return
    status.textContent = `Importing ${file.name}…`
    try {
      location.assign((await importFile(file)).url)
    } catch (err) {
      status.textContent = `Import failed: ${(err as Error).message}`
    }
  })
  return { input, open: () => input.click() }
}
