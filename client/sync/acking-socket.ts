/**
 * A WebSocket for the stock WebsocketProvider (its `WebSocketPolyfill`
 * option) that asks the relay for save acknowledgements and tells a
 * SaveTracker about every frame it sends. The provider itself is unchanged.
 */
import { encodeSaveAckRequest, isUpdateFrame, MessageType, SyncType } from '../../shared/protocol.js'
import type { SaveTracker } from './save-tracker.js'

/** A WebSocket class bound to `tracker`. */
export function ackingWebSocket(tracker: SaveTracker): typeof WebSocket {
  return class AckingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      this.addEventListener('open', () => {
        tracker.opened()
        super.send(encodeSaveAckRequest())
      })
      this.addEventListener('close', () => tracker.closed())
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      if (data instanceof Uint8Array && isUpdateFrame(data)) {
        tracker.sentFrame(data[1] === SyncType.STEP2 ? 'sync-step2' : 'update')
      }
      super.send(data)
    }
  }
}

/** The SAVE_ACK message type, for registering a handler on the provider. */
export const SAVE_ACK = MessageType.SAVE_ACK

/** The VERSIONS_CHANGED message type (sent to us because we asked for SAVE_ACKs). */
export const VERSIONS_CHANGED = MessageType.VERSIONS_CHANGED
