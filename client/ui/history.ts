/**
 * The History panel: the document's versions (time, label, who edited),
 * a read-only preview of one, and "Restore this version", which the relay
 * applies as a new edit that everyone sees live.
 */
import { EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { schema } from '../../shared/schema.js'
import { exportUrl, getVersion, listVersions, restoreVersion, type VersionInfo } from '../api/docs.js'
import './versions.css'

export interface HistoryPanel {
  /** Opens the panel with a fresh list. */
  open(): void
  close(): void
  /** Reloads the list if the panel is open (after naming a version). */
  refresh(): void
  /** The read-only preview, when a version is shown (for tests and debugging). */
  readonly preview: EditorView | null
}

const KIND_LABEL: Record<VersionInfo['kind'], string> = { auto: 'Autosaved', named: 'Named', restore: 'Restored' }

/** Builds the panel inside `panel`; `who()` names the person restoring. */
export function historyPanel(panel: HTMLElement, docName: string, who: () => string): HistoryPanel {
  const header = document.createElement('header')
  const heading = Object.assign(document.createElement('h2'), { textContent: 'Version history' })
  const close = Object.assign(document.createElement('button'), { type: 'button', textContent: '×', title: 'Close', className: 'close' })
  header.append(heading, close)
  const list = Object.assign(document.createElement('ol'), { className: 'version-list' })
  const more = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Older versions', hidden: true })
  const message = Object.assign(document.createElement('p'), { className: 'history-message' })
  message.setAttribute('role', 'status')
  const previewBox = Object.assign(document.createElement('section'), { className: 'history-preview', hidden: true })
  const previewTitle = document.createElement('h3')
  const previewActions = Object.assign(document.createElement('div'), { className: 'actions' })
  const restore = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Restore this version', className: 'primary', id: 'restore-version' })
  const download = Object.assign(document.createElement('a'), { textContent: 'Download (.md)', className: 'button' })
  previewActions.append(restore, download)
  const previewDoc = Object.assign(document.createElement('div'), { className: 'preview-doc' })
  previewBox.append(previewTitle, previewActions, previewDoc)
  panel.replaceChildren(header, message, list, more, previewBox)

  let preview: EditorView | null = null
  let shown: VersionInfo | null = null
  let next: number | null = null

  const render = (versions: VersionInfo[], append: boolean) => {
    if (!append) list.replaceChildren()
    for (const version of versions) {
      const item = document.createElement('li')
      const button = Object.assign(document.createElement('button'), { type: 'button' })
      button.dataset.versionId = String(version.id)
      const when = Object.assign(document.createElement('span'), { className: 'when', textContent: new Date(version.createdAt).toLocaleString() })
      const label = Object.assign(document.createElement('span'), { className: 'label', textContent: version.label || KIND_LABEL[version.kind] })
      const authors = Object.assign(document.createElement('span'), {
        className: 'authors',
        textContent: version.authors.length ? version.authors.join(', ') : '—',
      })
      button.append(label, when, authors)
      button.addEventListener('click', () => void show(version))
      item.append(button)
      list.append(item)
    }
    if (!append && versions.length === 0) message.textContent = 'No versions yet. They are saved as you edit, or name one.'
  }

  const load = async (append: boolean) => {
    message.textContent = append ? '' : 'Loading…'
    try {
      const page = await listVersions(docName, append ? (next ?? undefined) : undefined)
      message.textContent = ''
      render(page.versions, append)
      next = page.next
      more.hidden = next === null
    } catch (err) {
      message.textContent = `Could not load versions: ${(err as Error).message}`
    }
  }

  const show = async (version: VersionInfo) => {
    for (const b of list.querySelectorAll('button')) b.classList.toggle('selected', b.dataset.versionId === String(version.id))
    try {
      const { doc } = await getVersion(docName, version.id)
      const state = EditorState.create({ doc: schema.nodeFromJSON(doc) })
      preview?.destroy()
      preview = new EditorView(previewDoc, { state, editable: () => false })
      shown = version
      previewTitle.textContent = `${version.title || 'Untitled document'} — ${new Date(version.createdAt).toLocaleString()}`
      download.href = exportUrl(docName, 'md', version.id)
      previewBox.hidden = false
    } catch (err) {
      message.textContent = `Could not open that version: ${(err as Error).message}`
    }
  }

  restore.addEventListener('click', async () => {
    if (!shown) return
    restore.disabled = true
    try {
      await restoreVersion(docName, shown.id, who())
      message.textContent = 'Restored. The document now matches that version; restore an earlier one to undo.'
      await load(false)
    } catch (err) {
      message.textContent = `Could not restore: ${(err as Error).message}`
    } finally {
      restore.disabled = false
    }
  })
  more.addEventListener('click', () => void load(true))

  const api: HistoryPanel = {
    open() {
      panel.hidden = false
      previewBox.hidden = true
      void load(false)
    },
    close() {
      panel.hidden = true
      preview?.destroy()
      preview = null
    },
    refresh() {
      if (!panel.hidden) void load(false)
    },
    get preview() {
      return preview
    },
  }
  close.addEventListener('click', () => api.close())
  return api
}
