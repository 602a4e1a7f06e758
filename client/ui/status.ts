/** The connection status badge: connecting / connected / offline. */
import type { WebsocketProvider } from 'y-websocket'

const LABELS = { connecting: 'Connecting…', connected: 'Connected', disconnected: 'Offline – reconnecting…' } as const

export function bindStatus(element: HTMLElement, provider: WebsocketProvider): void {
  const show = (status: keyof typeof LABELS) => {
    element.dataset.status = status
    element.textContent = LABELS[status]
  }
  provider.on('status', ({ status }: { status: keyof typeof LABELS }) => show(status))
  show(provider.wsconnected ? 'connected' : 'connecting')
}
