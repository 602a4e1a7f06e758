/**
 * One room's link to the other relays serving its document: what this relay
 * commits goes out; what others committed comes in and reaches this relay's
 * peers. Transport-agnostic: the channel is given (Redis in practice).
 *
 * Presence is tracked per sending relay, so when a relay dies its clients can
 * be removed from everyone's presence without waiting for it to say so.
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Logger } from 'pino'
import { REMOTE, type RoomFanout } from '../relay/fanout.js'
import type { Room } from '../relay/room.js'
import type { DocStore } from '../store/store.js'
import { awarenessClients, type RelayMessage } from './wire.js'

/** How a link reaches the other relays. */
export interface Channel {
  /** This relay's id, carried by every message it sends. */
  readonly relayId: string
  /** False while messages from other relays may be missed (Redis unreachable). */
  readonly listening: boolean
  /** Resolves once messages for the document are being received (or Redis is down; a resync follows then). */
  subscribe(name: string, link: RoomLink): Promise<void>
  unsubscribe(name: string, link: RoomLink): void
  publish(name: string, message: RelayMessage): void
}

export class RoomLink implements RoomFanout {
  readonly ready: Promise<void>
  private room: Room | null = null
  /** Messages heard while the room was still loading. */
  private early: RelayMessage[] = []
  private resyncWhenAttached = false
  /** The catch-up from the store in progress, if any. */
  private catchUp: Promise<void> | null = null
  /** Awareness client ids announced by each other relay. */
  private readonly remoteClients = new Map<string, Set<number>>()
  private closed = false

  constructor(
    readonly name: string,
    private readonly channel: Channel,
    private readonly store: DocStore,
    private readonly log: Logger,
  ) {
    this.ready = channel.subscribe(name, this)
  }

  attach(room: Room): void {
    this.room = room
    for (const message of this.early.splice(0)) this.receive(message)
    if (this.resyncWhenAttached) void this.resync()
    // Ask the others who is here; they answer with their clients' presence.
    this.publish({ kind: 'query-awareness', relay: this.channel.relayId })
  }

  update(update: Uint8Array): void {
    this.publish({ kind: 'update', relay: this.channel.relayId, update })
  }

  awareness(update: Uint8Array): void {
    this.publish({ kind: 'awareness', relay: this.channel.relayId, update })
  }

  deleted(): void {
    this.publish({ kind: 'deleted', relay: this.channel.relayId })
  }

  catchingUp(): Promise<void> | null {
    // Cut off, every new client's first sync reads the store first.
    if (!this.channel.listening) return this.resync()
    return this.catchUp
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.room = null
    this.channel.unsubscribe(this.name, this)
  }

  /** A message from another relay on this document's channel. */
  receive(message: RelayMessage): void {
    if (this.closed || message.relay === this.channel.relayId) return
    const room = this.room
    if (!room) {
      this.early.push(message)
      return
    }
    try {
      switch (message.kind) {
        case 'update':
          room.applyFromRelay(message.update)
          break
        case 'awareness':
          this.track(message.relay, message.update)
          awarenessProtocol.applyAwarenessUpdate(room.awareness, message.update, REMOTE)
          break
        case 'query-awareness':
          this.publishLocalPresence()
          break
        case 'resync':
          void this.resync()
          break
        case 'deleted':
          room.deletedElsewhere()
          break
      }
    } catch (err) {
      this.log.warn({ doc: this.name, relay: message.relay, err: (err as Error).message }, 'ignored an unreadable message from another relay')
    }
  }

  /**
   * Messages may have been missed (Redis restarted, the subscription
   * dropped, another relay published while cut off): catch up from the store,
   * which holds every committed update, by state vector; then exchange
   * presence again.
   */
  resync(): Promise<void> {
    if (!this.room) {
      this.resyncWhenAttached = true
      return Promise.resolve()
    }
    // One after another: a catch-up asked for now must read the store after
    // whatever made it necessary, so it never merges into one already running.
    const run = (this.catchUp ?? Promise.resolve()).then(() => this.catchUpOnce())
    this.catchUp = run
    void run.then(() => {
      if (this.catchUp === run) this.catchUp = null
    })
    return run
  }

  private async catchUpOnce(): Promise<void> {
    const room = this.room
    if (!room) return
    try {
      const rows = await this.store.load(this.name)
      if (this.room !== room || rows.length === 0) return
      const missing = Y.diffUpdate(Y.mergeUpdates(rows), Y.encodeStateVector(room.doc))
      Y.applyUpdate(room.doc, missing, REMOTE)
      this.log.info({ doc: this.name }, 'caught up from the store')
    } catch (err) {
      this.log.warn({ doc: this.name, err: (err as Error).message }, 'could not catch up from the store')
    }
    this.publish({ kind: 'query-awareness', relay: this.channel.relayId })
    this.publishLocalPresence()
  }

  /** Another relay is gone: its clients leave this relay's presence too. */
  relayGone(relay: string): void {
    const ids = this.remoteClients.get(relay)
    this.remoteClients.delete(relay)
    const room = this.room
    if (!room || !ids) return
    const present = [...ids].filter((id) => room.awareness.getStates().has(id))
    if (present.length > 0) awarenessProtocol.removeAwarenessStates(room.awareness, present, REMOTE)
  }

  private track(relay: string, update: Uint8Array): void {
    let ids = this.remoteClients.get(relay)
    if (!ids) this.remoteClients.set(relay, (ids = new Set()))
    for (const { clientId, present } of awarenessClients(update)) {
      if (present) ids.add(clientId)
      else ids.delete(clientId)
    }
  }

  /** Publishes the presence of this relay's own peers (everyone not announced by another relay). */
  private publishLocalPresence(): void {
    const room = this.room
    if (!room) return
    const remote = new Set<number>()
    for (const ids of this.remoteClients.values()) for (const id of ids) remote.add(id)
    const local = [...room.awareness.getStates().keys()].filter((id) => !remote.has(id))
    if (local.length > 0) this.awareness(awarenessProtocol.encodeAwarenessUpdate(room.awareness, local))
  }

  private publish(message: RelayMessage): void {
    if (!this.closed) this.channel.publish(this.name, message)
  }
}
