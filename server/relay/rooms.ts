/**
 * The registry of documents in memory. A document is loaded once however many
 * connections ask for it at the same moment, and leaves memory a grace period
 * after its last peer leaves.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { Room, type Peer, type RoomOptions } from './room.js'
import type { DocStore } from '../store/store.js'
import { noFanout, type Fanout, type RoomFanout } from './fanout.js'
import { Refusal, type UnsavedBytes } from '../limits.js'
import { CloseCode } from '../../shared/protocol.js'

export interface RoomsOptions {
  store: DocStore
  log: Logger
  /** How long an empty room stays loaded, in milliseconds. */
  unloadGraceMs: number
  compactAfterUpdates: number
  compactAfterBytes: number
  maxDocBytes: number
  /** Other relays serving the same documents (none by default). */
  fanout?: Fanout
  /** Updates awaiting a commit, across every room; new content past its cap is refused. */
  unsaved?: UnsavedBytes
}

interface Entry {
  loading: Promise<Room>
  fanout: RoomFanout
  /** Set once loaded. */
  room?: Room
  unloadTimer?: NodeJS.Timeout
}

/**
 * Emits 'load' (room) when a document enters memory, 'empty' (room) when its
 * last peer leaves, and 'unload' (name) when it leaves memory.
 */
export class Rooms extends EventEmitter {
  private readonly entries = new Map<string, Entry>()
  /** Deletions under way: the document is loaded again only once they end. */
  private readonly deleting = new Map<string, Promise<void>>()
  /** Rooms of deleted documents, still in memory while their commits settle. */
  private readonly deleted = new WeakSet<Room>()

  /** What every room is given: built once, shared by all of them. */
  private readonly roomOptions: RoomOptions

  constructor(private readonly options: RoomsOptions) {
    super()
    this.roomOptions = {
      compactAfterUpdates: options.compactAfterUpdates,
      compactAfterBytes: options.compactAfterBytes,
      maxDocBytes: options.maxDocBytes,
      unsaved: options.unsaved,
      log: options.log,
      onEmpty: (room) => {
        // A deleted document's last peer leaving is no reason to save it.
        if (this.deleted.has(room)) return
        this.emit('empty', room)
        this.scheduleUnload(room)
      },
      onFailed: (room) => void this.remove(room),
      onDeletedElsewhere: (room) => void this.dropDeleted(room),
    }
  }

  /** Number of documents in memory (loaded or loading). */
  get size(): number {
    return this.entries.size
  }

  /** True when the document is in memory or being loaded. */
  has(name: string): boolean {
    return this.entries.has(name)
  }

  /** The room of `name` if it is loaded (not merely loading). */
  loaded(name: string): Room | undefined {
    return this.entries.get(name)?.room
  }

  /**
   * Adds `peer` to the room of `name`, loading the document first if needed.
   * Rejects when the store cannot load it, and with a Refusal (DOC_DELETED)
   * while the document is being deleted.
   */
  async join(name: string, peer: Peer): Promise<Room> {
    // Whoever connects while a document is deleted held it open before: its
    // copy must not become a new document under the same name.
    if (this.deleting.has(name)) throw new Refusal(CloseCode.DOC_DELETED)
    const entry = this.entry(name)
    clearTimeout(entry.unloadTimer)
    const room = await entry.loading
    // The room may have been unloaded (or its document deleted) while we
    // waited; load it afresh (after the deletion).
    if (room.destroyed || this.deleted.has(room)) return this.join(name, peer)
    room.join(peer)
    return room
  }

  /**
   * The room of `name`, loaded if needed, for work that is not a peer's (a
   * restore from the HTTP API). A room nobody joins leaves memory after the
   * usual grace period.
   */
  async open(name: string): Promise<Room> {
    const room = await this.entry(name).loading
    if (room.destroyed || this.deleted.has(room)) return this.open(name)
    if (room.peerCount === 0) this.scheduleUnload(room)
    return room
  }

  /**
   * Deletes a document: closes its peers with `code`, waits for the commits
   * already under way, drops it from memory, then runs `remove` (the store's
   * delete). Until `remove` is done, nobody can load the document again, so
   * no update applied meanwhile can write the old content back: a late peer
   * joins only afterwards, to a fresh, empty document.
   */
  async delete(name: string, code: number, remove: () => Promise<void>): Promise<void> {
    await this.deleting.get(name)?.catch(() => undefined)
    const entry = this.entries.get(name)
    this.entries.delete(name)
    const deleting = (async () => {
      if (entry) {
        clearTimeout(entry.unloadTimer)
        const room = await entry.loading.catch(() => null)
        if (room) {
          this.deleted.add(room)
          // Other relays close their clients of it too, before the rows go.
          entry.fanout.deleted()
          room.closeAll(code)
          await room.settled()
          room.destroy()
        }
        entry.fanout.close()
        if (room) this.emit('unload', name)
      }
      await remove()
    })()
    this.deleting.set(name, deleting)
    try {
      await deleting
    } finally {
      if (this.deleting.get(name) === deleting) this.deleting.delete(name)
    }
  }

  /** Another relay deleted `room`'s document: close its peers, then free it (its rows are that relay's to remove). */
  private async dropDeleted(room: Room): Promise<void> {
    if (this.deleted.has(room)) return
    this.deleted.add(room)
    room.closeAll(CloseCode.DOC_DELETED)
    await room.settled()
    if (this.remove(room)) this.emit('unload', room.name)
  }

  /** Closes every peer with `code`, waits for pending commits, frees every room. */
  async closeAll(code: number): Promise<void> {
    const entries = [...this.entries.values()]
    this.entries.clear()
    for (const entry of entries) {
      clearTimeout(entry.unloadTimer)
      const room = await entry.loading.catch(() => null)
      if (!room) continue
      room.closeAll(code)
      await room.settled()
      entry.fanout.close()
      room.destroy()
    }
  }

  private entry(name: string): Entry {
    let entry = this.entries.get(name)
    if (entry) return entry
    const fanout = (this.options.fanout ?? noFanout).join(name)
    // A document being deleted is read only once it is gone from the store.
    const deleted = this.deleting.get(name)?.catch(() => undefined)
    // Listen to other relays before reading the store: an update they commit
    // meanwhile is then either in what we read or in what we hear.
    const loading = Promise.all([fanout.ready, deleted])
      .then(() => Room.load(name, this.options.store, this.roomOptions, fanout))
      .then((room) => {
        fanout.attach(room)
        return room
      })
    const created: Entry = { loading, fanout }
    entry = created
    this.entries.set(name, created)
    loading.then(
      (room) => {
        created.room = room
        this.options.log.info({ doc: name, docs: this.entries.size }, 'document loaded')
        this.emit('load', room)
      },
      (err) => {
        // A failed load must not stick: the next connection tries again.
        if (this.entries.get(name) === created) this.entries.delete(name)
        fanout.close()
        this.options.log.error({ doc: name, err }, 'document failed to load')
      },
    )
    return created
  }

  private scheduleUnload(room: Room): void {
    const entry = this.entries.get(room.name)
    if (!entry || entry.room !== room) return
    clearTimeout(entry.unloadTimer)
    entry.unloadTimer = setTimeout(() => void this.unload(room), this.options.unloadGraceMs)
    entry.unloadTimer.unref()
  }

  private async unload(room: Room): Promise<void> {
    await room.settled()
    // Peers join synchronously once loaded, so this check cannot race a join.
    if (room.peerCount > 0 || room.destroyed) return
    if (!this.remove(room)) return
    this.options.log.info({ doc: room.name, docs: this.entries.size }, 'document unloaded')
    this.emit('unload', room.name)
  }

  /** Drops `room` from memory; false when it was no longer the current one. */
  private remove(room: Room): boolean {
    const entry = this.entries.get(room.name)
    if (entry?.room === room) {
      clearTimeout(entry.unloadTimer)
      this.entries.delete(room.name)
      entry.fanout.close()
    }
    const wasLoaded = !room.destroyed
    room.destroy()
    return wasLoaded && entry?.room === room
  }
}
