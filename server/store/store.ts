/**
 * The storage interface the relay depends on. It never sees SQL: a store keeps,
 * per document, an append-only log of Yjs updates that can be replaced by one
 * compacted state. Any backend (SQLite today, PostgreSQL later) implements it.
 *
 * Durability contract: when `append` resolves, the update survives a killed
 * process (and, where the store is configured for it, power loss). The relay
 * awaits it before relaying the update to anyone.
 */
export interface DocStore {
  /** Every stored update of a document, oldest first (empty for a new one). */
  load(name: string): Promise<Uint8Array[]>
  /** Appends one update to a document's log; resolves once it is committed. */
  append(name: string, update: Uint8Array): Promise<void>
  /**
   * Replaces a document's whole log with one state update, atomically: the
   * one `state` encodes when handed the rows it replaces. Appends issued
   * after this call are kept. A store shared by several relays may skip it
   * while another relay compacts the same document (that one replaces the
   * rows).
   */
  compact(name: string, state: StateWith): Promise<void>
  /** Records a document's title for listings (committed with the next group). */
  setTitle(name: string, title: string): Promise<void>
  /** Every stored document, most recently updated first. */
  list(): Promise<DocInfo[]>
  /** Removes a document, its log and its versions (when the backend keeps any). */
  delete(name: string): Promise<void>
  /** Commits what is pending and releases the backend. */
  close(): Promise<void>
}

/**
 * Encodes a document's whole state for compaction, with `missed` taken in
 * first: stored rows the caller's copy of the document may lack (another
 * relay's newest). Called while the store writes the compaction, so the
 * encoding is of the document as it is then.
 */
export type StateWith = (missed: Uint8Array[]) => Uint8Array

/** What the store knows about a document without loading it. */
export interface DocInfo {
  name: string
  /** The title as last seen by the relay ('' when untitled). */
  title: string
  /** Milliseconds since the epoch of the last append or compaction. */
  updatedAt: number
  /** Bytes in the document's log. */
  size: number
}
