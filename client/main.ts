/**
 * The page: "/" lists documents; "/d/<name>" opens one. A document is one
 * Y.Doc, bound to ProseMirror through y-prosemirror, to the relay through
 * the stock y-websocket provider, and to IndexedDB for offline use.
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import { EditorView } from 'prosemirror-view'
import type { Command } from 'prosemirror-state'
import * as decoding from 'lib0/decoding'
import { isValidDocName } from '../shared/docname.js'
import { CONTENT_FRAGMENT, TITLE_TEXT } from '../shared/docmodel.js'
import { createEditorState } from './editor/setup.js'
import { TaskItemView } from './editor/taskitem.js'
import * as cmd from './editor/commands.js'
import { SaveTracker } from './sync/save-tracker.js'
import { ackingWebSocket, SAVE_ACK, VERSIONS_CHANGED } from './sync/acking-socket.js'
import { CloseCode } from '../shared/protocol.js'
import { toolbarPlugin } from './ui/toolbar.js'
import { bindConnectionStatus, bindSaveStatus, showDeletedStatus } from './ui/status.js'
import { showDeletedBanner } from './ui/deleted.js'
import { bindFacepile } from './ui/presence.js'
import { bindTitle } from './ui/title.js'
import { hasLocalUser, localUser, saveUser } from './ui/user.js'
import { promptDialog } from './ui/dialog.js'
import { showDocumentList } from './ui/doclist.js'
import { findBarPlugin } from './ui/findbar.js'
import { countsPlugin } from './ui/counts.js'
import { historyPanel } from './ui/history.js'
import { fileMenu } from './ui/filemenu.js'
import { readAccess, showAccessBanner } from './ui/access.js'
import { mountShare } from './ui/share.js'
import './style.css'

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  // Lets a document opened before open again without a network.
  void navigator.serviceWorker.register('/sw.js').catch(() => undefined)
}

const match = /^\/d\/([^/]+)$/.exec(location.pathname)
if (location.pathname === '/') {
  const page = $('#list-page')
  page.hidden = false
  void showDocumentList(page)
} else if (!match || !isValidDocName(decodeURIComponent(match[1]!))) {
  location.replace('/')
} else {
  openEditor(decodeURIComponent(match[1]!))
}

function openEditor(docName: string): void {
  const ydoc = new Y.Doc()
  const tracker = new SaveTracker()
  const offline = new IndexeddbPersistence(`tandem:${docName}`, ydoc)
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
  // A share link carries ?token=; the provider sends it on every (re)connect.
  const access = readAccess(location.search)
  const provider = new WebsocketProvider(wsUrl, docName, ydoc, {
    WebSocketPolyfill: ackingWebSocket(tracker),
    params: access.token ? { token: access.token } : {},
  })
  provider.messageHandlers[SAVE_ACK] = (_encoder, decoder) => tracker.acknowledged(decoding.readVarUint(decoder))
  // Someone named a version (or one was saved): an open History panel reloads.
  provider.messageHandlers[VERSIONS_CHANGED] = (_encoder, decoder) => {
    decoding.readVarUint(decoder)
    history?.refresh()
  }
  ydoc.on('update', (_update: Uint8Array, origin: unknown) => {
    if (origin !== provider && origin !== offline) tracker.localChange()
  })

  const firstVisit = !hasLocalUser(localStorage)
  // A link minted for a named person shows that name to the others.
  let user = access.name ? { ...localUser(localStorage), name: access.name } : localUser(localStorage)
  provider.awareness.setLocalStateField('user', user)
  const rename = () =>
    promptDialog({
      title: 'Your name',
      label: 'Others see this name next to your cursor',
      value: user.name,
      accept: (value) => {
        if (!value.trim()) return 'Please enter a name.'
        user = saveUser(localStorage, { ...user, name: value.trim().slice(0, 40) })
        provider.awareness.setLocalStateField('user', user)
        return null
      },
    })

  let view: EditorView
  let history: ReturnType<typeof historyPanel> | undefined
  // Deleted from the document list: the relay closed the socket with 4404 and
  // the provider stopped reconnecting. Our copy must not come back as a new
  // document under the same name, so the offline copy goes too.
  provider.on('closed', ({ code }: { code: number }) => {
    if (code !== CloseCode.DOC_DELETED) return
    provider.disconnect()
    void offline.clearData()
    stopSaveStatus()
    showDeletedStatus($('#status'))
    view.setProps({ editable: () => false })
    $('#toolbar').hidden = true
    $<HTMLInputElement>('#title').readOnly = true
    $('#file-menu').hidden = true
    // Sharing or versioning a deleted document would only make an empty one under its name.
    document.querySelector<HTMLElement>('.share-button')?.remove()
    history?.close()
    showDeletedBanner($('#editor-page'), access.token ? `/?token=${encodeURIComponent(access.token)}` : '/')
  })
  /** A dialog asking for a URL that `apply` turns into an editor command. */
  const urlDialog = (title: string, label: string, value: string, apply: (url: string) => Command) =>
    promptDialog({
      title,
      label,
      value,
      placeholder: 'https://',
      accept: (url) => {
        try {
          apply(url)(view.state, view.dispatch)
        } catch (err) {
          if (err instanceof cmd.UnsafeUrlError) return err.message
          throw err
        }
        view.focus()
        return null
      },
    })
  const editLink = () =>
    urlDialog('Link', 'Address (http, https or mailto); leave empty to remove', cmd.activeLink(view.state) ?? '', cmd.setLink)
  const insertImage = () => urlDialog('Image', 'Image address (http or https)', '', (url) => cmd.insertImage(url))

  const toolbar = $('#toolbar')
  view = new EditorView($('#editor'), {
    state: createEditorState(ydoc.getXmlFragment(CONTENT_FRAGMENT), provider.awareness, {
      editLink,
      plugins: [toolbarPlugin(toolbar, { editLink, insertImage })],
    }),
    // Courtesy only: the relay drops a viewer's edits whatever the page does.
    editable: () => access.canWrite,
    nodeViews: { task_item: (node, v, getPos) => new TaskItemView(node, v, getPos) },
    // View-only plugins that draw into the page around the editor.
    plugins: [findBarPlugin($('#findbar')), countsPlugin($('#counts'))],
  })

  for (const id of ['#editor-page', '#toolbar', '#title', '#status', '#save-status', '#statusbar']) $(id).hidden = false
  bindTitle($<HTMLInputElement>('#title'), ydoc.getText(TITLE_TEXT))
  if (!access.canWrite) {
    // Read-only: no formatting toolbar, no title edits (the relay would drop them anyway).
    $('#toolbar').hidden = true
    $<HTMLInputElement>('#title').readOnly = true
  }
  showAccessBanner($('#editor-page'), access)
  mountShare($('.topbar'), docName, access)
  bindConnectionStatus($('#status'), provider)
  const stopSaveStatus = bindSaveStatus($('#save-status'), tracker)
  bindFacepile($('#facepile'), provider.awareness, rename)
  // Versions, export and import (server/api/docs.ts).
  history = historyPanel($('#history'), docName, () => user.name)
  fileMenu($('#file-menu'), docName, history)
  $('#file-menu').hidden = false
  view.focus()
  // Asked once: on the first visit, offer to replace the random name.
  if (firstVisit && !access.name) rename()

  // A handle for debugging in the console and for end-to-end tests.
  Object.assign(window, { tandem: { ydoc, provider, view, tracker, offline, history, access } })
}
