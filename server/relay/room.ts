/**
 * One document in memory: its Y.Doc, its awareness, and the peers connected
 * to it. The room is where the relay's two promises live:
 *
 * - Load before reply: a room exists only once its document has been read
 *   from the store, so every sync reply is complete.
 * - Commit before relay: an update reaches other peers (and sync replies) only
 *   after the store has committed it, so nothing a peer has seen can be lost
 *   by killing the relay.
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { Logger } from 'pino'
import {
  decodeMessage,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  encodeSaveAck,
  encodeVersionsChanged,
  CloseCode,
  type Message,
} from '../../shared/protocol.js'
import type { DocStore } from '../store/store.js'
import { Refusal, type UnsavedBytes } from '../limits.js'
import { MAX_TITLE_LENGTH, TITLE_TEXT } from '../../shared/docmodel.js'
import { REMOTE, type RoomFanout } from './fanout.js'
import { releaseFinishedTransactions } from './transactions.js'
import { DocChanges } from './changes.js'

/** What a room needs from a connection. */
export interface Peer {
  /** Queues a frame for the peer (drops it if the peer is closing). */
  send(frame: Uint8Array): void
  /** Closes the peer's connection with a documented close code. */
  close(code: number, reason?: string): void
  /** Awareness client ids this peer announced, removed when it leaves (null until it announces one). */
  awarenessIds: Set<number> | null
  /** False for a read-only peer (a viewer): its document updates are dropped. */
  readonly canWrite: boolean
  /** Update frames (SYNC step 2 or update) received from this peer so far. */
  updatesReceived: number
  /** True once the peer asked for SAVE_ACK frames. */
  wantsSaveAcks: boolean
}

/** Settings and hooks shared by every room of a relay (one object, not one per room). */
export interface RoomOptions {
  /** Compact the log into one state row once it has more rows than this. */
  compactAfterUpdates: number
  /** ... or more bytes than this. */
  compactAfterBytes: number
  /** An update that would grow the document past this is refused (4009). */
  maxDocBytes: number
  log: Logger
  /** Called when the last peer leaves. */
  onEmpty(room: Room): void
  /** Called when the store failed; the room must be dropped from memory. */
  onFailed(room: Room): void
  /** Called when another relay deleted the document; the room must be closed and dropped. */
  onDeletedElsewhere?(room: Room): void
  /** The relay's updates awaiting a commit, shared by its rooms; new content past its cap is refused (4503). */
  unsaved?: UnsavedBytes
}

/** Origin of the transaction that applies the stored log: not a new update. */
const HYDRATE = Symbol('hydrate')

export class Room {
  private readonly ydoc: Y.Doc
  /** Reports each change to `ydoc` (see commitThenRelay); applies peers' updates. */
  private readonly changes: DocChanges
  /** Called after each change, with its origin (see onChange). */
  private readonly changeListeners: ((origin: unknown) => void)[] = []
  /**
   * Stored updates not yet applied to the Y.Doc. Applying a large document
   * takes Yjs a while (far longer in a freshly started, unoptimised process),
   * and a client that only wants the whole document does not need it applied:
   * it is answered from the stored bytes. The log is applied on first real
   * use of `doc` (an edit, a partial sync, compaction).
   */
  private unapplied: Uint8Array[] | null
  /**
   * One update holding exactly the whole document, while nothing changed
   * since it was made: the stored row of a compacted document, the state of
   * the last compaction, or the last full sync reply. It answers every client
   * that syncs from nothing without re-encoding the document.
   */
  private wholeState: Uint8Array | null
  readonly awareness: awarenessProtocol.Awareness
  private readonly peers = new Set<Peer>()
  /**
   * Peers that joined while the document was answered from its stored bytes
   * and have not been sent our STEP1 yet. Its state vector would have to be
   * read out of the whole stored state (as slow as a good part of applying
   * it, in a freshly started process), and a peer that syncs from nothing
   * has nothing to send back for it. So it waits for the peer's first frame:
   * sent when the peer holds something, skipped when its STEP1 is empty.
   */
  private owedStepOne: Set<Peer> | null = null
  /** Settles once every update applied so far is committed. */
  private committed: Promise<void> = Promise.resolve()
  private logRows: number
  private logBytes: number
  private failed = false
  /** The title last handed to the store, to store it again only on change (null until the log is applied). */
  private storedTitle: string | null
  /**
   * Set when a transaction touched the title text, so that the title is read
   * (a whole Y.Text toString) only after edits to it, not after every update.
   */
  private titleTouched = false
  /** True once the room has left memory; a destroyed room takes no peers. */
  destroyed = false

  /** Loads a document from the store and returns its room; `fanout` links it to other relays serving it. */
  static async load(name: string, store: DocStore, options: RoomOptions, fanout?: RoomFanout): Promise<Room> {
    const updates = await store.load(name)
    return new Room(name, store, options, fanout ?? null, updates)
  }

  private constructor(
    readonly name: string,
    private readonly store: DocStore,
    private readonly options: RoomOptions,
    /** Other relays serving this document (none for a lone relay). */
    private readonly fanout: RoomFanout | null,
    updates: Uint8Array[],
  ) {
    this.ydoc = new Y.Doc({ gc: true })
    releaseFinishedTransactions(this.ydoc)
    this.unapplied = updates.length > 0 ? updates : null
    // A single row is the whole document (a compacted state or its only update).
    this.wholeState = updates.length === 1 ? updates[0]! : null
    // Read from the document when it is first applied (see hydrate).
    this.storedTitle = updates.length > 0 ? null : ''
    this.logRows = updates.length
    this.logBytes = updates.reduce((sum, u) => sum + u.byteLength, 0)
    this.changes = new DocChanges(
      this.ydoc,
      (update, transaction) => {
        // Read from the transaction rather than by observing the title text, which
        // would create that type (and its observer) in every room, edited or not.
        // A root type exists in `share` once any update touched it.
        const titleText = this.ydoc.share.get(TITLE_TEXT)
        if (titleText && transaction.changed.has(titleText)) this.titleTouched = true
        this.commitThenRelay(update, transaction.origin)
        for (const listener of this.changeListeners) listener(transaction.origin)
      },
      HYDRATE,
    )

    this.awareness = new awarenessProtocol.Awareness(this.ydoc)
    this.awareness.setLocalState(null)
    this.awareness.on('update', this.relayAwareness)
  }

  /** The document, with its whole stored log applied. */
  get doc(): Y.Doc {
    if (this.unapplied) this.hydrate()
    return this.ydoc
  }

  /** False while the stored log is not applied to the Y.Doc yet (see `unapplied`). */
  get applied(): boolean {
    return this.unapplied === null
  }

  /**
   * Calls `listener` after every change to the document, with the change's
   * transaction origin. Applying the stored log is not a change, and watching
   * does not apply it: a cold document stays answered from its stored bytes.
   */
  onChange(listener: (origin: unknown) => void): void {
    this.changeListeners.push(listener)
  }

  /** Applies an update another relay committed: relayed to this relay's peers, not stored again. */
  applyFromRelay(update: Uint8Array): void {
    this.apply(update, REMOTE)
  }

  /** Calls `listener` once the room is destroyed. */
  onDestroy(listener: () => void): void {
    this.ydoc.on('destroy', listener)
  }

  /** Number of connected peers. */
  get peerCount(): number {
    return this.peers.size
  }

  /** Adds a peer and opens the sync handshake with it. */
  join(peer: Peer): void {
    this.peers.add(peer)
    const owed = this.unapplied !== null && this.wholeState !== null
    if (owed) (this.owedStepOne ??= new Set()).add(peer)
    else peer.send(encodeSyncStep1(this.stateVector()))
    const states = this.awareness.getStates()
    // The relay always speaks first (clients take silence for a proxy that swallows frames):
    // when STEP1 is owed, with the awareness states it holds, even none.
    if (states.size > 0 || owed) {
      peer.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...states.keys()])))
    }
  }

  /** Removes a peer; its presence disappears for everyone else. */
  leave(peer: Peer): void {
    if (!this.peers.delete(peer)) return
    this.owedStepOne?.delete(peer)
    if (peer.awarenessIds && peer.awarenessIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...peer.awarenessIds], null)
    }
    if (this.peers.size === 0) this.options.onEmpty(this)
  }

  /**
   * Handles one frame from a peer. Throws when the frame is malformed or Yjs
   * rejects it; the caller closes that peer's connection.
   */
  receive(peer: Peer, frame: Uint8Array): void {
    const message = decodeMessage(frame)
    if (this.owedStepOne?.has(peer) && message.kind.startsWith('sync-')) this.settleStepOne(peer, message)
    switch (message.kind) {
      case 'sync-step1': {
        const answer = () => {
          // Computed now, sent once everything it contains is committed.
          const reply = encodeSyncStep2(this.updateFor(message.stateVector))
          this.afterCommit(() => peer.send(reply))
        }
        // A relay that may have missed other relays' updates reads them first,
        // so the reply is complete on any relay.
        const catchingUp = this.fanout?.catchingUp()
        if (catchingUp) void catchingUp.then(() => !this.destroyed && answer())
        else answer()
        break
      }
      case 'sync-step2':
      case 'sync-update': {
        // Roles are enforced here, not only in the UI. A viewer's edits are
        // dropped unapplied (and never acknowledged as saved), but it stays
        // connected to keep receiving changes.
        if (!peer.canWrite) break
        this.refuseIfTooLarge(message.update)
        // A new client answers our step 1 with an empty update: nothing to
        // apply, but it still counts as a frame to acknowledge.
        if (!isEmptyUpdate(message.update)) {
          this.refuseIfBacklogged(message.update)
          // -> commitThenRelay when it changes the document. A live edit is relayed as the
          // peer sent it. A reconnecting peer's step 2 carries its whole delete set: only
          // what is new in it is stored and relayed (Yjs encodes that).
          if (message.kind === 'sync-update') this.apply(message.update, peer)
          else Y.applyUpdate(this.doc, message.update, peer)
        }
        const received = ++peer.updatesReceived
        // Acknowledged only once committed: "saved" must never be a guess.
        if (peer.wantsSaveAcks) this.afterCommit(() => peer.send(encodeSaveAck(received)))
        break
      }
      case 'save-ack-request':
        peer.wantsSaveAcks = true
        if (peer.updatesReceived > 0) this.afterCommit(() => peer.send(encodeSaveAck(peer.updatesReceived)))
        break
      case 'awareness':
        awarenessProtocol.applyAwarenessUpdate(this.awareness, message.update, peer)
        break
      case 'query-awareness':
        peer.send(
          encodeAwareness(
            awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()]),
          ),
        )
        break
      case 'save-ack': // relay -> client only
      case 'versions-changed':
      case 'unknown':
        break
    }
  }

  /** Resolves once every update applied so far is committed (or failed). */
  settled(): Promise<void> {
    return this.committed.catch(() => undefined)
  }

  /**
   * Tells the peers that speak Tandem's extensions (they sent
   * SAVE_ACK_REQUEST) that version `id` was recorded; stock clients, which
   * would not know the frame, are not told.
   */
  versionRecorded(id: number): void {
    const frame = encodeVersionsChanged(id)
    for (const peer of this.peers) if (peer.wantsSaveAcks) peer.send(frame)
  }

  /** Another relay deleted this document (its fanout said so). */
  deletedElsewhere(): void {
    this.options.onDeletedElsewhere?.(this)
  }

  /** Closes every peer's connection with `code`. */
  closeAll(code: number, reason?: string): void {
    for (const peer of [...this.peers]) peer.close(code, reason)
  }

  /** Frees the document; the room must not be used afterwards. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.awareness.off('update', this.relayAwareness)
    this.awareness.destroy()
    this.ydoc.destroy()
  }

  /**
   * Applies stored rows to the Y.Doc in one transaction with `origin`; false
   * when some could not be read. A row Yjs cannot read must not make the
   * whole document unreadable, so it is skipped and logged.
   */
  private applyStored(rows: Uint8Array[], origin: unknown): boolean {
    let readable = true
    this.ydoc.transact(() => {
      for (const row of rows) {
        try {
          Y.applyUpdate(this.ydoc, row)
        } catch (err) {
          this.options.log.error({ doc: this.name, err }, 'skipping unreadable stored update')
          readable = false
        }
      }
    }, origin)
    return readable
  }

  /** Applies `update` with `origin`, the stored log first; a change it makes may be reported as `update` itself. */
  private apply(update: Uint8Array, origin: unknown): void {
    if (this.unapplied) this.hydrate()
    this.changes.apply(update, origin)
  }

  /** Applies the stored log to the Y.Doc (see `unapplied`). */
  private hydrate(): void {
    const updates = this.unapplied ?? []
    this.unapplied = null
    if (!this.applyStored(updates, HYDRATE)) this.wholeState = null
    this.storedTitle = this.title()
    this.titleTouched = false
  }

  /** Sends the STEP1 `peer` is owed (see `owedStepOne`) unless its first sync frame says it holds nothing. */
  private settleStepOne(peer: Peer, message: Message): void {
    this.owedStepOne?.delete(peer)
    const holdsNothing = message.kind === 'sync-step1' && isEmptyStateVector(message.stateVector)
    if (!holdsNothing) peer.send(encodeSyncStep1(this.stateVector()))
  }

  /** Our state vector, read from the stored bytes while they are not applied. */
  private stateVector(): Uint8Array {
    if (this.unapplied && this.wholeState) return Y.encodeStateVectorFromUpdate(this.wholeState)
    return Y.encodeStateVector(this.doc)
  }

  /** The update a peer holding `stateVector` is missing. */
  private updateFor(stateVector: Uint8Array): Uint8Array {
    // Most sync requests come from clients that hold nothing yet.
    if (isEmptyStateVector(stateVector)) return (this.wholeState ??= Y.encodeStateAsUpdate(this.doc))
    return Y.encodeStateAsUpdate(this.doc, stateVector)
  }

  /**
   * The log size bounds the document's size from above and costs nothing to
   * check; only near the cap is the exact (compacted) size worth computing.
   */
  private refuseIfTooLarge(update: Uint8Array): void {
    const max = this.options.maxDocBytes
    if (this.logBytes + update.byteLength <= max) return
    if (Y.encodeStateAsUpdate(this.doc).byteLength + update.byteLength <= max) return
    throw new Refusal(CloseCode.DOC_TOO_LARGE)
  }

  /**
   * While the store cannot commit, accepted updates wait in memory. Past the
   * relay's cap, an update bringing content the document lacks is refused
   * before it is applied. One that brings none (a reconnecting client resending
   * what is here, or deleting existing content) passes: what it can add is
   * bounded by the document, and its sender keeps reading.
   */
  private refuseIfBacklogged(update: Uint8Array): void {
    const unsaved = this.options.unsaved
    if (!unsaved?.wouldExceed(update.byteLength)) return
    if (!bringsNewContent(update, this.doc)) return
    throw new Refusal(CloseCode.STORE_BACKLOG)
  }

  private afterCommit(fn: () => void): void {
    this.committed.then(fn, () => undefined)
  }

  private commitThenRelay(update: Uint8Array, origin: unknown): void {
    this.wholeState = null
    if (origin === REMOTE) {
      // Another relay committed it before publishing it: relay, do not store again.
      const frame = encodeSyncUpdate(update)
      for (const peer of this.peers) peer.send(frame)
      return
    }
    const commit = this.store.append(this.name, update)
    const unsaved = this.options.unsaved
    unsaved?.hold(update.byteLength)
    // Queued right behind the update, so both land in the same group commit.
    this.storeTitleIfChanged()
    // The store settles commits in order, so the newest one covers all before.
    this.committed = commit
    this.logRows += 1
    this.logBytes += update.byteLength
    commit.then(
      () => {
        unsaved?.release(update.byteLength)
        // Durability first: only now, with the update committed, may anyone see it.
        // Other relays first: one publish, and their clients' delivery then
        // runs while this relay writes to its own peers.
        this.fanout?.update(update)
        const frame = encodeSyncUpdate(update)
        for (const peer of this.peers) if (peer !== origin) peer.send(frame)
        this.compactIfDue()
      },
      (err: Error) => {
        unsaved?.release(update.byteLength)
        this.fail(err)
      },
    )
  }

  /** The document's title as the editor shows it. */
  title(): string {
    return this.doc.getText(TITLE_TEXT).toString().slice(0, MAX_TITLE_LENGTH)
  }

  private storeTitleIfChanged(): void {
    if (this.destroyed || !this.titleTouched) return
    this.titleTouched = false
    const title = this.title()
    if (title === this.storedTitle) return
    this.storedTitle = title
    this.store.setTitle(this.name, title).catch(() => undefined) // a failure fails the append too
  }

  private compactIfDue(): void {
    if (this.destroyed) return
    if (this.logRows <= this.options.compactAfterUpdates && this.logBytes <= this.options.compactAfterBytes) return
    // Counted from now: what is appended later stays rows beside the compacted one.
    this.logRows = 1
    this.logBytes = 0
    let bytes = 0
    const compacted = this.store.compact(this.name, (missed) => {
      const state = this.stateWith(missed)
      // A store that retries the compaction (PostgreSQL after an outage) calls this again:
      // the log holds one state, so count the newest in place of the last.
      this.logBytes += state.byteLength - bytes
      bytes = state.byteLength
      return state
    })
    // Part of what settled() waits for, so shutdown and unloading never cut a compaction short.
    this.committed = compacted
    compacted.then(
      () => this.options.log.debug({ doc: this.name, bytes }, 'compacted'),
      (err: Error) => this.fail(err),
    )
  }

  /**
   * The whole state for a compaction, with `missed` applied first: stored
   * rows this relay may not have had yet (another relay's newest, not yet
   * arrived through the fanout). Applied as the fanout's updates are, so new
   * content goes to this relay's peers and is not stored again; rows it holds
   * already change nothing.
   */
  private stateWith(missed: Uint8Array[]): Uint8Array {
    const doc = this.doc
    this.applyStored(missed, REMOTE)
    const state = Y.encodeStateAsUpdate(doc)
    this.wholeState = state
    return state
  }

  /**
   * The store lost an update. The in-memory document now holds content the
   * store does not, so drop it: every peer reconnects, the room reloads from
   * the store, and each peer's sync step 2 sends back what is missing.
   */
  private fail(err: Error): void {
    if (this.failed) return
    this.failed = true
    this.options.log.error({ doc: this.name, err }, 'store commit failed; closing the document')
    this.closeAll(CloseCode.STORE_FAILED)
    this.options.onFailed(this)
  }

  private readonly relayAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = added.concat(updated, removed)
    if (this.peers.has(origin as Peer)) {
      // Remember which clients this peer speaks for, to remove them when it leaves.
      const peer = origin as Peer
      if (added.length > 0) {
        const ids = (peer.awarenessIds ??= new Set())
        for (const id of added) ids.add(id)
      }
      for (const id of removed) peer.awarenessIds?.delete(id)
    }
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)
    const frame = encodeAwareness(update)
    for (const peer of this.peers) if (peer !== origin) peer.send(frame)
    if (origin !== REMOTE) this.fanout?.awareness(update)
  }
}

/** The encoded state vector of an empty document (no clients). */
function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.byteLength === 1 && stateVector[0] === 0
}

/** True when `update` holds an item `doc` lacks (by client clock); deletions alone do not count. */
function bringsNewContent(update: Uint8Array, doc: Y.Doc): boolean {
  // `to`: per client, the clock just past the update's last item.
  for (const [client, clock] of Y.parseUpdateMeta(update).to) {
    if (clock > Y.getState(doc.store, client)) return true
  }
  return false
}

/** The v1 update that changes nothing: no structs, empty delete set. */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0
}
