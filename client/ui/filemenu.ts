/**
 * The File menu: name this version, version history, export (Markdown, HTML,
 * text), print, and import a Markdown or HTML file as a new document.
 */
import { exportUrl, nameVersion } from '../api/docs.js'
import { importPicker } from './import.js'
import { promptDialog } from './dialog.js'
import type { HistoryPanel } from './history.js'
import './versions.css'

/** Fills `container` with the menu for `docName`. */
export function fileMenu(container: HTMLElement, docName: string, history: HistoryPanel): void {
  const details = document.createElement('details')
  details.className = 'file-menu'
  const summary = Object.assign(document.createElement('summary'), { textContent: 'File' })
  const menu = document.createElement('div')
  menu.className = 'menu'
  menu.setAttribute('role', 'menu')
  const item = (text: string, action: () => void, id: string) => {
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: text, id })
    button.setAttribute('role', 'menuitem')
    button.addEventListener('click', () => {
      details.open = false
      action()
    })
    menu.append(button)
  }
  const link = (text: string, href: string, id: string) => {
    const a = Object.assign(document.createElement('a'), { textContent: text, href, id })
    a.setAttribute('role', 'menuitem')
    a.setAttribute('download', '')
    a.addEventListener('click', () => (details.open = false))
    menu.append(a)
  }
  const status = Object.assign(document.createElement('span'), { className: 'file-status' })
  status.setAttribute('role', 'status')

  item('Name this version…', () => nameDialog(docName, status, history), 'name-version')
  item('Version history', () => history.open(), 'open-history')
  menu.append(document.createElement('hr'))
  link('Download Markdown (.md)', exportUrl(docName, 'md'), 'export-md')
  link('Download web page (.html)', exportUrl(docName, 'html'), 'export-html')
  link('Download plain text (.txt)', exportUrl(docName, 'txt'), 'export-txt')
  item('Print…', () => window.print(), 'print')
  menu.append(document.createElement('hr'))
  const picker = importPicker(status)
  item('Import Markdown or HTML…', picker.open, 'import')
  details.append(summary, menu)
  container.replaceChildren(details, picker.input, status)
  // Clicking elsewhere closes the menu, as menus do.
  document.addEventListener('click', (event) => {
    if (!details.contains(event.target as Node)) details.open = false
  })
}

function nameDialog(docName: string, status: HTMLElement, history: HistoryPanel): void {
  promptDialog({
    title: 'Name this version',
    label: 'A name to find this moment again in the history',
    accept: (value) => {
      const label = value.trim()
      if (!label) return 'Please enter a name.'
      if (label.length > 100) return 'At most 100 characters, please.'
      nameVersion(docName, label).then(
        () => {
          status.textContent = `Saved version “${label}”`
          history.refresh()
        },
        (err: Error) => (status.textContent = `Could not name the version: ${err.message}`),
      )
      return null
    },
  })
}
