/**
 * The three servers under test speak the same y-websocket sync messages with
 * different framing and URLs. This module hides the difference, as pure
 * functions over bytes, so the load generator has one protocol client:
 *
 * - Tandem: `ws://host/ws/<doc>`, plain y-websocket frames (shared/protocol.ts).
 * - y-websocket (1.5.4 bin/utils): `ws://host/<doc>`, the same frames.
 * - Hocuspocus: `ws://host/<anything>`; every frame starts with
 *   varString(documentName), and the first must be an AUTH token message.
 *   It also answers a step 1 with type SYNC_REPLY (4) and acknowledges each
 *   update with SYNC_STATUS (8), which carry no document content.
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { MessageType, SyncType } from '../shared/protocol.js'

/** The servers the benchmark compares. */
export type Target = 'tandem' | 'y-websocket' | 'hocuspocus'
export const TARGETS: readonly Target[] = ['tandem', 'y-websocket', 'hocuspocus']

/** An incoming message, reduced to what the load generator acts on. */
export type Incoming =
  | { kind: 'step1'; stateVector: Uint8Array }
  | { kind: 'step2'; update: Uint8Array }
  | { kind: 'update'; update: Uint8Array }
  | { kind: 'other' }

/** Hocuspocus' message types beyond y-websocket's (hocuspocus/server types.ts). */
const HOCUSPOCUS_SYNC_REPLY = 4
/** Hocuspocus auth sub-type "here is my token" (hocuspocus/common auth.ts). */
const HOCUSPOCUS_AUTH_TOKEN = 0

/** The WebSocket URL a client of `doc` opens. */
export function socketUrl(target: Target, port: number, doc: string): string {
  if (target === 'tandem') return `ws://127.0.0.1:${port}/ws/${doc}`
  return `ws://127.0.0.1:${port}/${doc}`
}

/** Frames a client sends first, before its sync step 1. */
export function helloFrames(target: Target, doc: string): Uint8Array[] {
  if (target !== 'hocuspocus') return []
  const e = encoding.createEncoder()
  encoding.writeVarString(e, doc)
  encoding.writeVarUint(e, MessageType.AUTH)
  encoding.writeVarUint(e, HOCUSPOCUS_AUTH_TOKEN)
  encoding.writeVarString(e, 'bench')
  return [encoding.toUint8Array(e)]
}

/** A SYNC frame of `syncType` carrying `payload`, framed for `target`. */
export function syncFrame(target: Target, doc: string, syncType: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder()
  if (target === 'hocuspocus') encoding.writeVarString(e, doc)
  encoding.writeVarUint(e, MessageType.SYNC)
  encoding.writeVarUint(e, syncType)
  encoding.writeVarUint8Array(e, payload)
  return encoding.toUint8Array(e)
}

/** Decodes one incoming frame; anything but a sync message is `other`. */
export function parseIncoming(target: Target, frame: Uint8Array): Incoming {
  const d = decoding.createDecoder(frame)
  if (target === 'hocuspocus') decoding.readVarString(d)
  const type = decoding.readVarUint(d)
  if (type !== MessageType.SYNC && !(target === 'hocuspocus' && type === HOCUSPOCUS_SYNC_REPLY)) return { kind: 'other' }
  const syncType = decoding.readVarUint(d)
  const payload = decoding.readVarUint8Array(d)
  if (syncType === SyncType.STEP1) return { kind: 'step1', stateVector: payload }
  if (syncType === SyncType.STEP2) return { kind: 'step2', update: payload }
  if (syncType === SyncType.UPDATE) return { kind: 'update', update: payload }
  return { kind: 'other' }
}

/**
 * The (client, clock) of the first struct in a Yjs v1 update, packed in one
 * number, or -1 for an update without structs. A writer's update holds its own
 * new structs, so this names the update without decoding it: the v1 encoding
 * starts varUint(#clients), varUint(#structs), varUint(client), varUint(clock).
 */
export function updateId(update: Uint8Array): number {
  const d = decoding.createDecoder(update)
  if (decoding.readVarUint(d) === 0) return -1
  decoding.readVarUint(d)
  const client = decoding.readVarUint(d)
  const clock = decoding.readVarUint(d)
  return updateKey(client, clock)
}

/** Packs a client id (< 2^32) and a clock (< 2^21) into one safe integer. */
export function updateKey(client: number, clock: number): number {
  return client * 2 ** 21 + clock
}
