/**
 * The document list at "/": every document the relay stores, newest first,
 * from GET /api/docs, a button to start a new one, and per document Rename
 * (a live edit of its title) and Delete (after a confirmation).
 */
import { randomDocName } from '../../shared/docname.js'
import { MAX_TITLE_LENGTH } from '../../shared/docmodel.js'
import { UNTITLED } from './title.js'
import { importPicker } from './import.js'
import { confirmDialog, promptDialog } from './dialog.js'
import { deleteDoc, renameDoc } from '../api/docs.js'
import { hasLocalUser, localUser } from './user.js'

interface DocInfo {
  name: string
  title: string
  updatedAt: number
  size: number
}

export async function showDocumentList(container: HTMLElement): Promise<void> {
  // With AUTH_SECRET the list needs a token for every document ("*"), from
  // this page's link; the documents it links to are opened with it too.
  const token = new URLSearchParams(location.search).get('token')
  const withToken = (href: string) => (token ? `${href}?token=${encodeURIComponent(token)}` : href)
  document.title = 'Documents – Tandem'
  const heading = document.createElement('div')
  heading.className = 'list-header'
  const h1 = Object.assign(document.createElement('h1'), { textContent: 'Documents' })
  const create = Object.assign(document.createElement('a'), { textContent: '+ New document', className: 'button primary', id: 'new-doc' })
  create.href = withToken(`/d/${randomDocName()}`)
  const status = Object.assign(document.createElement('span'), { className: 'file-status', id: 'list-status' })
  status.setAttribute('role', 'status')
  const picker = importPicker(status)
  const importButton = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Import…', className: 'button', id: 'import-doc' })
  importButton.title = 'A Markdown or HTML file becomes a new document'
  importButton.addEventListener('click', picker.open)
  const actions = document.createElement('div')
  actions.className = 'list-actions'
  actions.append(status, picker.input, importButton, create)
  heading.append(h1, actions)
  const body = document.createElement('div')
  body.textContent = 'Loading…'
  container.replaceChildren(heading, body)

  let docs: DocInfo[]
  try {
    const res = await fetch('/api/docs', { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } })
    if (!res.ok) throw new Error(`the relay answered ${res.status}`)
    docs = ((await res.json()) as { docs: DocInfo[] }).docs
  } catch (err) {
    body.className = 'error'
    body.textContent = `Could not load the document list (${(err as Error).message}). Documents you opened before still open from their links.`
    return
  }
  if (docs.length === 0) {
    body.textContent = 'No documents yet. Start one with “New document”.'
    return
  }
  const table = document.createElement('table')
  table.className = 'doc-list'
  table.innerHTML = '<thead><tr><th>Title</th><th>Last edited</th><th>Size</th><th><span class="visually-hidden">Actions</span></th></tr></thead>'
  const tbody = document.createElement('tbody')
  for (const doc of docs) {
    const row = document.createElement('tr')
    row.dataset.doc = doc.name
    const link = Object.assign(document.createElement('a'), { textContent: doc.title.trim() || UNTITLED })
    link.href = withToken(`/d/${encodeURIComponent(doc.name)}`)
    const title = document.createElement('td')
    title.append(link)
    const edited = Object.assign(document.createElement('td'), { textContent: relativeTime(doc.updatedAt) })
    edited.title = new Date(doc.updatedAt).toLocaleString()
    const size = Object.assign(document.createElement('td'), { textContent: formatBytes(doc.size) })
    const actions = Object.assign(document.createElement('td'), { className: 'row-actions' })
    actions.append(
      rowButton('Rename', 'rename-doc', () => renameRow(doc, link, status)),
      rowButton('Delete', 'delete-doc danger-text', () => deleteRow(doc, row, status)),
    )
    row.append(title, edited, size, actions)
    tbody.append(row)
  }
  table.append(tbody)
  body.replaceWith(table)
}

function rowButton(text: string, className: string, action: () => void): HTMLButtonElement {
  const button = Object.assign(document.createElement('button'), { type: 'button', textContent: text, className: `link-button ${className}` })
  button.addEventListener('click', action)
  return button
}

/** Asks for a new title; the relay applies it as an edit that open editors see live. */
function renameRow(doc: DocInfo, link: HTMLAnchorElement, status: HTMLElement): void {
  promptDialog({
    title: 'Rename document',
    label: 'Title',
    value: doc.title,
    accept: (value) => {
      const title = value.trim()
      if (title.length > MAX_TITLE_LENGTH) return `At most ${MAX_TITLE_LENGTH} characters, please.`
      // Credited in the version history; a visitor who never chose a name stays unnamed.
      renameDoc(doc.name, title, hasLocalUser(localStorage) ? localUser(localStorage).name : '').then(
        (answer) => {
          doc.title = answer.title
          link.textContent = answer.title || UNTITLED
          status.textContent = `Renamed to “${answer.title || UNTITLED}”`
        },
        (err: Error) => (status.textContent = `Could not rename: ${err.message}`),
      )
      return null
    },
  })
}

/** Deletes a document for everyone, once confirmed. */
function deleteRow(doc: DocInfo, row: HTMLElement, status: HTMLElement): void {
  const title = doc.title.trim() || UNTITLED
  confirmDialog({
    title: `Delete “${title}”?`,
    message: 'The document, its history and its named versions are removed for everyone, and anyone who has it open is told. This cannot be undone.',
    confirmLabel: 'Delete',
    confirm: () => {
      deleteDoc(doc.name).then(
        () => {
          row.remove()
          status.textContent = `Deleted “${title}”`
        },
        (err: Error) => (status.textContent = `Could not delete: ${err.message}`),
      )
    },
  })
}

function relativeTime(ms: number): string {
  const seconds = Math.round((Date.now() - ms) / 1000)
  if (seconds < 60) return 'just now'
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  if (seconds < 3600) return format.format(-Math.round(seconds / 60), 'minute')
  if (seconds < 86400) return format.format(-Math.round(seconds / 3600), 'hour')
  return format.format(-Math.round(seconds / 86400), 'day')
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
