/**
 * The document list at "/": every document the relay stores, newest first,
 * from GET /api/docs, and a button to start a new one.
 */
import { randomDocName } from '../../shared/docname.js'
import { UNTITLED } from './title.js'
import { importPicker } from './import.js'

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
  const status = Object.assign(document.createElement('span'), { className: 'file-status' })
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
  table.innerHTML = '<thead><tr><th>Title</th><th>Last edited</th><th>Size</th></tr></thead>'
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
    row.append(title, edited, size)
    tbody.append(row)
  }
  table.append(tbody)
  body.replaceWith(table)
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
