/**
 * A document's history: automatic versions while it is being edited, named
 * versions on request, and restores.
 *
 * Automatic versions: the first edit after a version starts a timer of
 * `intervalMs`; when it fires, the document is saved as a version. So at most
 * one automatic version per interval, and none while nobody edits. When the
 * last peer leaves a document with unsaved edits, a version is taken at once.
 * Each version names the people whose edits arrived since the previous one,
 * read from the awareness state ("user.name") of the peers that sent them.
 *
 * A version of an open document is stored as a delta on the previous one this
 * relay stored of it (server/store/versions.ts): encoding and writing only
 * what changed keeps the relay's thread free for relaying edits. A full state
 * follows at most MAX_DELTAS deltas, and comes sooner once the deltas since
 * the last one add up to its size, so reading a version applies a bounded
 * chain (bench/README.md, fifth round).
 */
import { EventEmitter } from 'node:events'
import * as Y from 'yjs'
import type { Logger } from 'pino'
import type { Room } from '../relay/room.js'
import type { Rooms } from '../relay/rooms.js'
import type { DocStore } from '../store/store.js'
import { MissingBase, type NewVersion, type VersionInfo, type VersionKind, type VersionStore } from '../store/versions.js'
import { currentDoc } from '../relay/current.js'
import { docFromState, readDoc } from '../render/ydoc.js'
import { MAX_TITLE_LENGTH, TITLE_TEXT } from '../../shared/docmodel.js'

export interface HistoryOptions {
  rooms: Rooms
  store: DocStore
  versions: VersionStore
  /** Shortest time between two automatic versions of a document. */
  intervalMs: number
  log: Logger
}

/** Edits since a room's last version. */
interface Pending {
  authors: Set<string>
  timer?: NodeJS.Timeout
}

/** The transaction origin of an edit the relay makes for someone (a restore, a rename), so they are credited. */
export interface EditOrigin {
  editedBy: string
}

/** Thrown when a version is asked of a document that is being deleted. */
export class DocumentDeleted extends Error {
  constructor(name: string) {
    super(`document "${name}" was deleted`)
    this.name = 'DocumentDeleted'
  }
}

/** Longest label or author name kept. */
export const MAX_LABEL_LENGTH = 100

/** Most deltas between two full states of a document's versions. */
export const MAX_DELTAS = 31

/** The last version this relay stored of an open document, which the next one can be a delta on. */
interface ChainTip {
  id: number
  /** The document's state vector when that version was encoded. */
  stateVector: Uint8Array
  /** Deltas since the last full state, and their bytes. */
  deltas: number
  deltaBytes: number
  /** Bytes of that full state. */
  fullBytes: number
}

/** Emits 'version' (docName, VersionInfo) once a version is stored. */
export class History extends EventEmitter {
  private readonly pending = new WeakMap<Room, Pending>()
  private readonly tips = new WeakMap<Room, ChainTip>()
  private readonly tracked = new Set<Room>()
  /** Documents being deleted (by how many deletions): no version of them may be stored meanwhile. */
  private readonly suspended = new Map<string, number>()
  /** Versions being stored, per document, so a deletion can wait for them. */
  private readonly storing = new Map<string, Set<Promise<unknown>>>()
  /** Deletions so far, per document name: a restore that spans one gives up. */
  private readonly deletions = new Map<string, number>()
  private stopped = false

  constructor(private readonly options: HistoryOptions) {
    super()
    options.rooms.on('load', this.track)
    options.rooms.on('empty', this.onEmpty)
  }

  /** Versions of `name`, newest first. */
  list(name: string, limit: number, before?: number): Promise<VersionInfo[]> {
    return this.options.versions.list(name, { limit, before })
  }

  /**
   * Saves the current state of `name` as a version labelled `label`; null
   * when the document does not exist.
   */
  async name(name: string, label: string): Promise<VersionInfo | null> {
    const room = this.options.rooms.loaded(name)
    if (room && !room.destroyed) return this.save(room, 'named', label)
    const current = await currentDoc(this.options.rooms, this.options.store, name)
    if (!current) return null
    try {
      return await this.add(name, current.doc, 'named', label, [])
    } finally {
      current.release()
    }
  }

  /**
   * Makes the document equal to version `id` again, as a new edit that is
   * committed and relayed live. Unsaved edits are saved as a version first,
   * and the result is saved as a "restore" version, so restoring the version
   * before it undoes the restore. Null when there is no such version.
   */
  async restore(name: string, id: number, by: string): Promise<VersionInfo | null> {
    // Loaded on first use: y-prosemirror is memory every relay would pay for a rare action.
    const { restoreInto } = await import('./restore.js')
    const generation = this.deletions.get(name)
    const version = await this.options.versions.get(name, id)
    if (!version) return null
    const source = docFromState(version.updates)
    const { doc, dropped } = readDoc(source)
    source.destroy()
    if (dropped.size > 0) this.options.log.warn({ doc: name, version: id, dropped: Object.fromEntries(dropped) }, 'restore left out foreign content')
    const before = await this.options.rooms.open(name)
    if (this.pending.has(before) || !(await this.matchesLatest(before))) await this.save(before, 'auto', '')
    // Opened again: the room may have left memory while that version was written.
    const room = await this.options.rooms.open(name)
    // Deleted meanwhile: writing the version back would resurrect the document.
    if (this.deletions.get(name) !== generation) throw new DocumentDeleted(name)
    const origin: EditOrigin = { editedBy: by }
    restoreInto(room.doc, doc, version.title, origin)
    const label = version.label || new Date(version.createdAt).toISOString()
    const restored = await this.save(room, 'restore', `Restored ${label}`.slice(0, MAX_LABEL_LENGTH))
    // Answer only once the restore is committed, like any peer's edit.
    await room.settled()
    return restored
  }

  /**
   * True when the newest version holds exactly the room's content (same
   * state vector), so saving it again would add nothing. False also after a
   * crash lost the edits' pending version: those edits must not be lost.
   */
  private async matchesLatest(room: Room): Promise<boolean> {
    const [latest] = await this.options.versions.list(room.name, { limit: 1 })
    const version = latest && (await this.options.versions.get(room.name, latest.id))
    if (!version) return false
    const stored = docFromState(version.updates)
    try {
      return Buffer.from(Y.encodeStateVector(stored)).equals(Y.encodeStateVector(room.doc))
    } finally {
      stored.destroy()
    }
  }

  /**
   * Stops recording versions of `name` while it is deleted: its pending
   * automatic version is dropped, and the returned promise resolves once
   * versions already being stored are in (so the deletion removes them too).
   * Call the returned `resume` once the deletion is over.
   */
  async suspend(name: string): Promise<() => void> {
    this.suspended.set(name, (this.suspended.get(name) ?? 0) + 1)
    this.deletions.set(name, (this.deletions.get(name) ?? 0) + 1)
    for (const room of this.tracked) {
      if (room.name !== name) continue
      clearTimeout(this.pending.get(room)?.timer)
      this.pending.delete(room)
      // Its versions go with it: the next one starts a new chain.
      this.tips.delete(room)
    }
    await Promise.allSettled([...(this.storing.get(name) ?? [])])
    let resumed = false
    return () => {
      if (resumed) return
      resumed = true
      const left = (this.suspended.get(name) ?? 1) - 1
      if (left > 0) this.suspended.set(name, left)
      else this.suspended.delete(name)
    }
  }

  /**
   * Saves every document with unsaved edits (before shutting down) and waits
   * for every version being stored, its thinning included, so the store can
   * close after it: a version a timer or a leaving peer started a moment ago
   * would otherwise be lost with the store closing under it. Resolves once all
   * are settled; a failed save is logged where it fails.
   */
  async flush(): Promise<void> {
    for (const room of this.tracked) if (this.pending.has(room)) void this.save(room, 'auto', '').catch(() => undefined)
    await Promise.allSettled([...this.storing.values()].flatMap((adding) => [...adding]))
  }

  /** Stops taking versions; pending timers are dropped. */
  stop(): void {
    this.stopped = true
    for (const room of this.tracked) clearTimeout(this.pending.get(room)?.timer)
    this.options.rooms.off('load', this.track)
    this.options.rooms.off('empty', this.onEmpty)
  }

  private readonly track = (room: Room): void => {
    this.tracked.add(room)
    // Not through room.doc, which would apply the stored log of every document as it loads.
    room.onChange((origin) => this.edited(room, origin))
    room.onDestroy(() => {
      clearTimeout(this.pending.get(room)?.timer)
      this.tracked.delete(room)
    })
  }

  private edited(room: Room, origin: unknown): void {
    if (this.stopped || this.suspended.has(room.name)) return
    let pending = this.pending.get(room)
    if (!pending) {
      pending = { authors: new Set() }
      this.pending.set(room, pending)
      pending.timer = setTimeout(() => void this.save(room, 'auto', '').catch(() => undefined), this.options.intervalMs)
      pending.timer.unref()
    }
    for (const author of authorsOf(room, origin)) pending.authors.add(author)
  }

  private readonly onEmpty = (room: Room): void => {
    if (this.stopped || !this.pending.has(room)) return
    void this.save(room, 'auto', '').catch(() => undefined)
  }

  /** Saves the room's document as a version and starts a new pending period. */
  private async save(room: Room, kind: VersionKind, label: string): Promise<VersionInfo> {
    const pending = this.pending.get(room)
    clearTimeout(pending?.timer)
    this.pending.delete(room)
    const authors = [...(pending?.authors ?? [])].sort()
    try {
      return await this.add(room.name, room.doc, kind, label, authors, room)
    } catch (err) {
      if (!(err instanceof DocumentDeleted)) this.options.log.error({ doc: room.name, err }, 'could not store a version')
      throw err
    }
  }

  /** `room` when `doc` is an open document's, whose versions can then be deltas. */
  private async add(name: string, doc: Y.Doc, kind: VersionKind, label: string, authors: string[], room?: Room): Promise<VersionInfo> {
    if (this.suspended.has(name)) throw new DocumentDeleted(name)
    const storing = this.storing.get(name) ?? new Set<Promise<unknown>>()
    this.storing.set(name, storing)
    const adding = this.store(name, doc, kind, label, authors, room)
    storing.add(adding)
    try {
      return await adding
    } finally {
      storing.delete(adding)
      if (storing.size === 0 && this.storing.get(name) === storing) this.storing.delete(name)
    }
  }

  private async store(name: string, doc: Y.Doc, kind: VersionKind, label: string, authors: string[], room?: Room): Promise<VersionInfo> {
    const info: Omit<NewVersion, 'state'> = {
      createdAt: Date.now(),
      label,
      kind,
      authors,
      title: doc.getText(TITLE_TEXT).toString().slice(0, MAX_TITLE_LENGTH),
    }
    const tip = room && this.tips.get(room)
    let stored: { version: VersionInfo; tip: ChainTip; bytes: number } | null = null
    if (tip && tip.deltas < MAX_DELTAS) {
      const stateVector = Y.encodeStateVector(doc)
      const delta = Y.encodeStateAsUpdate(doc, tip.stateVector)
      const deltaBytes = tip.deltaBytes + delta.byteLength
      if (deltaBytes <= tip.fullBytes) {
        try {
          const version = await this.options.versions.add(name, { ...info, state: delta, base: tip.id })
          stored = { version, tip: { ...tip, id: version.id, stateVector, deltas: tip.deltas + 1, deltaBytes }, bytes: delta.byteLength }
        } catch (err) {
          // Thinned away by another relay meanwhile: a full state below.
          if (!(err instanceof MissingBase)) throw err
        }
      }
    }
    if (!stored) {
      // Encoded now, not before an await above: the document may have changed.
      const stateVector = Y.encodeStateVector(doc)
      const state = Y.encodeStateAsUpdate(doc)
      const version = await this.options.versions.add(name, { ...info, state })
      stored = { version, tip: { id: version.id, stateVector, deltas: 0, deltaBytes: 0, fullBytes: state.byteLength }, bytes: state.byteLength }
    }
    const { version } = stored
    if (room && !room.destroyed) this.tips.set(room, stored.tip)
    this.options.log.info({ doc: name, id: version.id, kind, label, delta: stored.tip.deltas > 0, bytes: stored.bytes }, 'version saved')
    // Thinned before 'version' is emitted, so listeners see the history as kept.
    // A failed prune costs only space; the version itself is stored.
    if (kind === 'auto') {
      await this.options.versions.prune(name, info.createdAt).catch((err: unknown) => this.options.log.warn({ doc: name, err }, 'could not thin old versions'))
    }
    this.emit('version', name, version)
    return version
  }
}

/** Names of the people behind an update: a peer's awareness users, or a restore's author. */
function authorsOf(room: Room, origin: unknown): string[] {
  if (typeof origin !== 'object' || origin === null) return []
  if ('editedBy' in origin) return [String((origin as EditOrigin).editedBy)].filter(Boolean)
  if (!('awarenessIds' in origin)) return []
  const names: string[] = []
  for (const id of (origin as { awarenessIds: Set<number> | null }).awarenessIds ?? []) {
    const name = (room.awareness.getStates().get(id) as { user?: { name?: unknown } } | undefined)?.user?.name
    if (typeof name === 'string' && name.trim()) names.push(name.trim().slice(0, MAX_LABEL_LENGTH))
  }
  return names
}
