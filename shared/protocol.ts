/**
 * The y-websocket wire protocol, as pure functions over bytes.
 *
 * Every frame is one binary WebSocket message that starts with a varuint
 * message type. Tandem speaks exactly the frames of `y-protocols` so the stock
 * `y-websocket` client works unchanged:
 *
 * - SYNC (0), followed by a sync sub-type:
 *   - STEP1 (0) + varUint8Array(state vector): "here is what I have".
 *   - STEP2 (1) + varUint8Array(update): "here is what you are missing",
 *     the answer to a step 1.
 *   - UPDATE (2) + varUint8Array(update): a live edit.
 *   Both sides send step 1 when a connection opens and answer the other's
 *   step 1 with a step 2. The relay only ever *answers* a step 1 once the
 *   document is loaded from the store, so the first step 2 a client receives
 *   is complete.
 * - AWARENESS (1) + varUint8Array(awareness update): presence.
 * - AUTH (2): reserved by y-protocols; the relay never sends it.
 * - QUERY_AWARENESS (3): "send me every awareness state you hold".
 *
 * Tandem's extensions are opt-in so the stock client never receives a frame
 * it does not know:
 * - SAVE_ACK_REQUEST (100), client -> relay, no payload: "acknowledge my
 *   updates on this connection" (and "I understand Tandem's frames").
 * - SAVE_ACK (101) + varuint n, relay -> client: "the first n update frames
 *   (SYNC step 2 or update) you sent on this connection are committed to
 *   the store". The client compares n with the number it sent.
 * - VERSIONS_CHANGED (102) + varuint id, relay -> client, only to clients
 *   that sent SAVE_ACK_REQUEST: "version `id` of this document was just
 *   recorded"; an open History panel reloads its list.
 *
 * Nothing here touches a socket, a timer or a Y.Doc: bytes in, values out.
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

/** Top-level message types of the y-websocket protocol. */
export const MessageType = {
  SYNC: 0,
  AWARENESS: 1,
  AUTH: 2,
  QUERY_AWARENESS: 3,
  /** Tandem extension: ask for SAVE_ACK frames. */
  SAVE_ACK_REQUEST: 100,
  /** Tandem extension: n update frames from you are committed. */
  SAVE_ACK: 101,
  /** Tandem extension: a version of this document was recorded. */
  VERSIONS_CHANGED: 102,
} as const

/** Sub-types of a SYNC message (y-protocols/sync). */
export const SyncType = {
  STEP1: 0,
  STEP2: 1,
  UPDATE: 2,
} as const

/** A decoded frame. `unknown` frames are legal to receive and are ignored. */
export type Message =
  | { kind: 'sync-step1'; stateVector: Uint8Array }
  | { kind: 'sync-step2'; update: Uint8Array }
  | { kind: 'sync-update'; update: Uint8Array }
  | { kind: 'awareness'; update: Uint8Array }
  | { kind: 'query-awareness' }
  | { kind: 'save-ack-request' }
  | { kind: 'save-ack'; committed: number }
  | { kind: 'versions-changed'; versionId: number }
  | { kind: 'unknown'; type: number }

/** Thrown when a frame is not a well-formed y-websocket message. */
export class MalformedMessageError extends Error {
  constructor(reason: string) {
    super(`malformed message: ${reason}`)
    this.name = 'MalformedMessageError'
  }
}

/**
 * Decodes one frame. Throws MalformedMessageError when the bytes are
 * truncated, carry an unknown sync sub-type, or have trailing garbage.
 * Messages of unknown top-level type decode to `{ kind: 'unknown' }`:
 * y-websocket peers ignore them, and so does the relay.
 */
export function decodeMessage(frame: Uint8Array): Message {
  const decoder = decoding.createDecoder(frame)
  try {
    const type = decoding.readVarUint(decoder)
    let message: Message
    switch (type) {
      case MessageType.SYNC: {
        const syncType = decoding.readVarUint(decoder)
        const payload = decoding.readVarUint8Array(decoder)
        if (syncType === SyncType.STEP1) message = { kind: 'sync-step1', stateVector: payload }
        else if (syncType === SyncType.STEP2) message = { kind: 'sync-step2', update: payload }
        else if (syncType === SyncType.UPDATE) message = { kind: 'sync-update', update: payload }
        else throw new MalformedMessageError(`unknown sync type ${syncType}`)
        break
      }
      case MessageType.AWARENESS:
        message = { kind: 'awareness', update: decoding.readVarUint8Array(decoder) }
        break
      case MessageType.QUERY_AWARENESS:
        message = { kind: 'query-awareness' }
        break
      case MessageType.SAVE_ACK_REQUEST:
        message = { kind: 'save-ack-request' }
        break
      case MessageType.SAVE_ACK:
        message = { kind: 'save-ack', committed: decoding.readVarUint(decoder) }
        break
      case MessageType.VERSIONS_CHANGED:
        message = { kind: 'versions-changed', versionId: decoding.readVarUint(decoder) }
        break
      default:
        // Unknown types may carry any payload; do not check for trailing bytes.
        return { kind: 'unknown', type }
    }
    if (decoding.hasContent(decoder)) throw new MalformedMessageError('trailing bytes after message')
    return message
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err
    // lib0 throws plain Errors ("Unexpected end of array", varint overflow).
    throw new MalformedMessageError((err as Error).message)
  }
}

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** SYNC/STEP1: announces our state vector. */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.SYNC)
    encoding.writeVarUint(e, SyncType.STEP1)
    encoding.writeVarUint8Array(e, stateVector)
  })
}

/** SYNC/STEP2: the update a peer is missing, in answer to its step 1. */
export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.SYNC)
    encoding.writeVarUint(e, SyncType.STEP2)
    encoding.writeVarUint8Array(e, update)
  })
}

/** SYNC/UPDATE: a live document update. */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.SYNC)
    encoding.writeVarUint(e, SyncType.UPDATE)
    encoding.writeVarUint8Array(e, update)
  })
}

/** AWARENESS: an awareness update (y-protocols/awareness encoding). */
export function encodeAwareness(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.AWARENESS)
    encoding.writeVarUint8Array(e, update)
  })
}

/** QUERY_AWARENESS: asks the other side for every awareness state. */
export function encodeQueryAwareness(): Uint8Array {
  return frame((e) => encoding.writeVarUint(e, MessageType.QUERY_AWARENESS))
}

/** SAVE_ACK_REQUEST: asks the relay to acknowledge committed updates. */
export function encodeSaveAckRequest(): Uint8Array {
  return frame((e) => encoding.writeVarUint(e, MessageType.SAVE_ACK_REQUEST))
}

/** SAVE_ACK: the first `committed` update frames from the client are stored. */
export function encodeSaveAck(committed: number): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.SAVE_ACK)
    encoding.writeVarUint(e, committed)
  })
}

/** VERSIONS_CHANGED: version `versionId` of the document was just recorded. */
export function encodeVersionsChanged(versionId: number): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MessageType.VERSIONS_CHANGED)
    encoding.writeVarUint(e, versionId)
  })
}

/**
 * True when `frame` carries document content from its sender (SYNC step 2
 * or update): the frames a SAVE_ACK counts. Reads two bytes, decodes nothing.
 */
export function isUpdateFrame(frame: Uint8Array): boolean {
  return frame[0] === MessageType.SYNC && (frame[1] === SyncType.STEP2 || frame[1] === SyncType.UPDATE)
}

/**
 * WebSocket close codes the relay uses. Every refusal has one, and each is
 * listed in docs/protocol.md. 1000-1015 are the RFC 6455 codes; 4000-4999 are
 * Tandem's own.
 */
export const CloseCode = {
  /** The relay is shutting down; reconnect later. */
  GOING_AWAY: 1001,
  /** A text frame arrived; the protocol is binary only. */
  UNSUPPORTED_DATA: 1003,
  /** A frame could not be decoded, or Yjs rejected the update it carried. */
  INVALID_MESSAGE: 1007,
  /** A frame was larger than MAX_MESSAGE_BYTES (sent by `ws` itself). */
  MESSAGE_TOO_BIG: 1009,
  /** The store failed to commit an update; nothing from it was relayed. */
  STORE_FAILED: 1011,
  /** The client did not read fast enough; its outgoing buffer passed the cap. */
  SLOW_CONSUMER: 4008,
  /** The client's update would grow the document past MAX_DOC_BYTES; it was not stored. */
  DOC_TOO_LARGE: 4009,
  /** The relay holds MAX_DOCUMENTS documents in memory; try again later. */
  TOO_MANY_DOCUMENTS: 4013,
  /** The client sent more messages or bytes per second than the relay allows. */
  RATE_LIMITED: 4029,
  /** The client's address holds MAX_CONNECTIONS_PER_IP connections already. */
  TOO_MANY_CONNECTIONS: 4030,
  /**
   * The document was deleted (DELETE /api/docs/<name>). In 4400-4499, so the
   * stock y-websocket provider does not reconnect (and re-upload its copy).
   */
  DOC_DELETED: 4404,
  /**
   * The relay holds MAX_UNSAVED_BYTES of updates its store has not committed
   * (PostgreSQL unreachable); the client's new edit was not taken. It keeps
   * it and resends it on reconnecting.
   */
  STORE_BACKLOG: 4503,
} as const

/** Human-readable reasons sent with each close code (at most 123 bytes). */
export const CloseReason: Record<number, string> = {
  [CloseCode.GOING_AWAY]: 'relay shutting down',
  [CloseCode.UNSUPPORTED_DATA]: 'text frames are not supported; send binary y-websocket frames',
  [CloseCode.INVALID_MESSAGE]: 'invalid message',
  [CloseCode.MESSAGE_TOO_BIG]: 'message too big',
  [CloseCode.STORE_FAILED]: 'could not store the update; reconnect to resync',
  [CloseCode.SLOW_CONSUMER]: 'outgoing buffer over limit; reconnect to resync',
  [CloseCode.DOC_TOO_LARGE]: 'document size limit reached; the update was not stored',
  [CloseCode.TOO_MANY_DOCUMENTS]: 'relay is at its open-document limit; try again later',
  [CloseCode.RATE_LIMITED]: 'sending too fast; reconnect and slow down',
  [CloseCode.TOO_MANY_CONNECTIONS]: 'too many connections from your address',
  [CloseCode.DOC_DELETED]: 'document deleted',
  [CloseCode.STORE_BACKLOG]: 'storage unavailable and too many edits wait for it; not saved, reconnect later',
}
