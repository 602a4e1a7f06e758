/**
 * The editor page: one Y.Doc per document, bound to ProseMirror through
 * y-prosemirror and to the relay through the stock y-websocket provider.
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { EditorView } from 'prosemirror-view'
import { isValidDocName, randomDocName } from '../shared/docname.js'
import { createEditorState } from './editor/setup.js'
import { bindStatus } from './ui/status.js'
import { localUser } from './ui/user.js'
import { readAccess, showAccessBanner } from './ui/access.js'
import { mountShare } from './ui/share.js'
import './style.css'

const match = /^\/d\/([^/]+)$/.exec(location.pathname)
if (!match || !isValidDocName(decodeURIComponent(match[1]!))) {
  // "/" (or a bad link) starts a new document.
  location.replace(`/d/${randomDocName()}`)
} else {
  const docName = decodeURIComponent(match[1]!)
  const ydoc = new Y.Doc()
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
  // A share link carries ?token=; the provider sends it on every (re)connect.
  const access = readAccess(location.search)
  const provider = new WebsocketProvider(wsUrl, docName, ydoc, { params: access.token ? { token: access.token } : {} })
  // A link minted for a named person shows that name to the others.
  provider.awareness.setLocalStateField('user', { ...localUser(localStorage), ...(access.name ? { name: access.name } : {}) })

  const view = new EditorView(document.querySelector('#editor')!, {
    state: createEditorState(ydoc.getXmlFragment('prosemirror'), provider.awareness),
    // Courtesy only: the relay drops a viewer's edits whatever the page does.
    editable: () => access.canWrite,
  })
  view.focus()

  document.querySelector('#doc-name')!.textContent = docName
  bindStatus(document.querySelector('#status')!, provider)
  showAccessBanner(document.querySelector('.page')!, access)
  mountShare(document.querySelector('.topbar')!, docName, access)

  // A handle for debugging in the console and for end-to-end tests.
  Object.assign(window, { tandem: { ydoc, provider, view, access } })
}
