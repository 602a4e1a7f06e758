/**
 * The registry of documents in memory. A document is loaded once however many
 * connections ask for it at the same moment, and leaves memory a grace period
 * after its last peer leaves.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { Room, type Peer } from './room.js'
import type { DocStore } from '../store/store.js'
import { noFanout, type Fanout, type RoomFanout } from './fanout.js'
import type { UnsavedBytes } from '../limits.js'

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

  constructor(private readonly options: RoomsOptions) {
    super()
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
   * Rejects when the store cannot load it.
   */
  async join(name: string, peer: Peer): Promise<Room> {
    const entry = this.entry(name)
    clearTimeout(entry.unloadTimer)
    const room = await entry.loading
    // The room may have been unloaded while we waited; load it afresh.
    if (room.destroyed) return this.join(name, peer)
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
    if (room.destroyed) return this.open(name)
    if (room.peerCount === 0) this.scheduleUnload(room)
    return room
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
    // Listen to other relays before reading the store: an update they commit
    // meanwhile is then either in what we read or in what we hear.
    const loading = fanout.ready
      .then(() =>
        Room.load(name, this.options.store, {
          compactAfterUpdates: this.options.compactAfterUpdates,
          compactAfterBytes: this.options.compactAfterBytes,
          maxDocBytes: this.options.maxDocBytes,
          unsaved: this.options.unsaved,
          log: this.options.log,
          onEmpty: (room) => {
            this.emit('empty', room)
            this.scheduleUnload(room)
          },
          onFailed: (room) => this.remove(room),
          fanout,
        }),
      )
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
