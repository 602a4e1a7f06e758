/**
 * What relays tell each other over a document's channel, as pure functions
 * over bytes. Every message names the relay that sent it, so a relay can
 * ignore its own and track whose presence states are whose:
 *
 * - UPDATE (0) + varUint8Array: a Yjs update the sender has committed.
 * - AWARENESS (1) + varUint8Array: a y-protocols awareness update from the sender's clients.
 * - QUERY_AWARENESS (2): "send me your clients' presence" (a relay that just joined).
 * - RESYNC (3): "I may have published into the void; read the store"
 *   (sent when the sender's connection to Redis comes back).
 * - DELETED (4): "I am deleting this document": close its clients with
 *   DOC_DELETED and drop it from memory.
 *
 * Layout: varuint type, varString relay id, then the payload if any.
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export const RelayMessageType = { UPDATE: 0, AWARENESS: 1, QUERY_AWARENESS: 2, RESYNC: 3, DELETED: 4 } as const

export type RelayMessage =
  | { kind: 'update'; relay: string; update: Uint8Array }
  | { kind: 'awareness'; relay: string; update: Uint8Array }
  | { kind: 'query-awareness'; relay: string }
  | { kind: 'resync'; relay: string }
  | { kind: 'deleted'; relay: string }

/** The type number of each kind of message. */
const TYPE_OF_KIND: Record<RelayMessage['kind'], number> = {
  update: RelayMessageType.UPDATE,
  awareness: RelayMessageType.AWARENESS,
  'query-awareness': RelayMessageType.QUERY_AWARENESS,
  resync: RelayMessageType.RESYNC,
  deleted: RelayMessageType.DELETED,
}

/** Encodes one relay-to-relay message. */
export function encodeRelayMessage(message: RelayMessage): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, TYPE_OF_KIND[message.kind])
  encoding.writeVarString(e, message.relay)
  if ('update' in message) encoding.writeVarUint8Array(e, message.update)
  return encoding.toUint8Array(e)
}

/** Decodes one relay-to-relay message; throws on anything malformed. */
export function decodeRelayMessage(bytes: Uint8Array): RelayMessage {
  const d = decoding.createDecoder(bytes)
  const type = decoding.readVarUint(d)
  const relay = decoding.readVarString(d)
  let message: RelayMessage
  switch (type) {
    case RelayMessageType.UPDATE:
      message = { kind: 'update', relay, update: decoding.readVarUint8Array(d) }
      break
    case RelayMessageType.AWARENESS:
      message = { kind: 'awareness', relay, update: decoding.readVarUint8Array(d) }
      break
    case RelayMessageType.QUERY_AWARENESS:
      message = { kind: 'query-awareness', relay }
      break
    case RelayMessageType.RESYNC:
      message = { kind: 'resync', relay }
      break
    case RelayMessageType.DELETED:
      message = { kind: 'deleted', relay }
      break
    default:
      throw new Error(`unknown relay message type ${type}`)
  }
  if (decoding.hasContent(d)) throw new Error('trailing bytes after relay message')
  return message
}

/**
 * The clients an awareness update speaks for, and whether each is present
 * (a state) or leaving (null), read from the y-protocols encoding:
 * varuint count, then per client varuint id, varuint clock, varString JSON.
 */
export function awarenessClients(update: Uint8Array): Array<{ clientId: number; present: boolean }> {
  const d = decoding.createDecoder(update)
  const count = decoding.readVarUint(d)
  const clients: Array<{ clientId: number; present: boolean }> = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(d)
    decoding.readVarUint(d)
    clients.push({ clientId, present: decoding.readVarString(d) !== 'null' })
  }
  return clients
}
