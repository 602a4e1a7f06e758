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
import './style.css'
// Find & replace, counts
import { findBarPlugin } from './ui/findbar.js'
import { countsPlugin } from './ui/counts.js'

const match = /^\/d\/([^/]+)$/.exec(location.pathname)
if (!match || !isValidDocName(decodeURIComponent(match[1]!))) {
  // "/" (or a bad link) starts a new document.
  location.replace(`/d/${randomDocName()}`)
} else {
  const docName = decodeURIComponent(match[1]!)
  const ydoc = new Y.Doc()
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
  const provider = new WebsocketProvider(wsUrl, docName, ydoc)
  provider.awareness.setLocalStateField('user', localUser(localStorage))

  const view = new EditorView(document.querySelector('#editor')!, {
    state: createEditorState(ydoc.getXmlFragment('prosemirror'), provider.awareness),
    // Find & replace, counts: view-only plugins, given the page elements they draw into.
    plugins: [findBarPlugin(document.querySelector('#findbar')!), countsPlugin(document.querySelector('#counts')!)],
  })
  view.focus()

  document.querySelector('#doc-name')!.textContent = docName
  bindStatus(document.querySelector('#status')!, provider)

  // A handle for debugging in the console and for end-to-end tests.
  Object.assign(window, { tandem: { ydoc, provider, view } })
}
