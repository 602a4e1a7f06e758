/**
 * The status area: connection (connecting / connected / offline) and
 * whether this browser's edits are saved on the relay.
 */
import type { WebsocketProvider } from 'y-websocket'
import type { SaveState, SaveTracker } from '../sync/save-tracker.js'

const CONNECTION_LABELS = { connecting: 'Connecting…', connected: 'Connected', disconnected: 'Offline – reconnecting…' } as const
const SAVE_LABELS: Record<SaveState, string> = {
  saved: 'All changes saved',
  saving: 'Saving…',
  unsaved: 'Not saved yet – kept on this device',
}

export function bindConnectionStatus(element: HTMLElement, provider: WebsocketProvider): void {
  const show = (status: keyof typeof CONNECTION_LABELS) => {
    element.dataset.status = status
    element.textContent = CONNECTION_LABELS[status]
  }
  // The provider says "connecting" on every retry; once the connection was
  // lost, the user is offline until it is back, retries or not.
  provider.on('status', ({ status }: { status: keyof typeof CONNECTION_LABELS }) => {
    if (element.dataset.status === 'deleted') return
    if (status === 'connecting' && element.dataset.status === 'disconnected') return
    show(status)
  })
  show(provider.wsconnected ? 'connected' : 'connecting')
}

/** Shows the save state in `element`; the returned function stops (the document was deleted). */
export function bindSaveStatus(element: HTMLElement, tracker: SaveTracker): () => void {
  const show = (state: SaveState) => {
    element.dataset.save = state
    element.textContent = SAVE_LABELS[state]
  }
  const unsubscribe = tracker.onChange(show)
  show(tracker.state)
  // Closing the tab with edits the relay does not have yet asks first.
  const warn = (event: BeforeUnloadEvent) => {
    if (tracker.state === 'saved') return
    event.preventDefault()
    event.returnValue = ''
  }
  window.addEventListener('beforeunload', warn)
  return () => {
    unsubscribe()
    window.removeEventListener('beforeunload', warn)
    element.textContent = ''
    delete element.dataset.save
  }
}

/** Shows that the document is gone for good, whatever the provider says next. */
export function showDeletedStatus(element: HTMLElement): void {
  element.dataset.status = 'deleted'
  element.textContent = 'Deleted'
}
