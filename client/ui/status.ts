/**
 * The status area: connection (connecting / connected / offline, and the
 * HTTP fallback when WebSocket is not getting through) and whether this
 * browser's edits are saved on the relay.
 */
import type { WebsocketProvider } from 'y-websocket'
import type { SaveState, SaveTracker } from '../sync/save-tracker.js'
import type { TransportInfo, TransportKind } from '../sync/fallback-socket.js'

const CONNECTION_LABELS = { connecting: 'Connecting…', connected: 'Connected', disconnected: 'Offline – reconnecting…' } as const
const SAVE_LABELS: Record<SaveState, string> = {
  saved: 'All changes saved',
  saving: 'Saving…',
  unsaved: 'Not saved yet – kept on this device',
}

const TRANSPORT_LABELS: Record<TransportKind, string> = { websocket: '', streaming: 'HTTP streaming', polling: 'HTTP polling' }

/** The transport connections settle on, as fallbackWebSocket's `onTransport` reports it. */
export class TransportState {
  info: TransportInfo | null = null
  private readonly listeners: Array<() => void> = []

  /** Pass as `onTransport`. */
  readonly set = (info: TransportInfo): void => {
    this.info = info
    for (const listener of this.listeners) listener()
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }
}

/**
 * Shows the connection state; on an HTTP fallback it names the transport,
 * and its tooltip says why WebSocket is not in use. WebSocket shows nothing extra.
 */
export function bindConnectionStatus(element: HTMLElement, provider: WebsocketProvider, transport: TransportState): void {
  const show = (status: keyof typeof CONNECTION_LABELS) => {
    // A deleted document stays "Deleted", whatever the provider or transport say next.
    if (element.dataset.status === 'deleted') return
    element.dataset.status = status
    const info = transport.info
    const fallback = status === 'connected' && info && info.transport !== 'websocket' ? info : null
    element.dataset.transport = info?.transport ?? ''
    element.textContent = fallback ? `${CONNECTION_LABELS[status]} · ${TRANSPORT_LABELS[fallback.transport]}` : CONNECTION_LABELS[status]
    element.title = fallback ? `Using ${TRANSPORT_LABELS[fallback.transport]}: ${fallback.reason ?? 'WebSocket is not getting through'}` : ''
  }
  transport.onChange(() => show(element.dataset.status as keyof typeof CONNECTION_LABELS))
  // The provider says "connecting" on every retry; once the connection was
  // lost, the user is offline until it is back, retries or not.
  provider.on('status', ({ status }: { status: keyof typeof CONNECTION_LABELS }) => {
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
