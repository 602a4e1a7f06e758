/**
 * The storage interface for document versions: named or automatic snapshots
 * of a whole document, kept apart from the DocStore so that each backend can
 * add them on its own (SQLite today). The relay never sees SQL.
 */

/** How a version came to be. */
export type VersionKind = 'auto' | 'named' | 'restore'

/** A version without its content, for listings. */
export interface VersionInfo {
  id: number
  /** Milliseconds since the epoch. */
  createdAt: number
  /** '' for automatic versions until someone names one. */
  label: string
  kind: VersionKind
  /** Names of the people whose edits arrived since the previous version. */
  authors: string[]
  /** The document's title at the time. */
  title: string
}

/** A version with its content: a full Yjs state update (`Y.encodeStateAsUpdate`). */
export interface Version extends VersionInfo {
  state: Uint8Array
}

/** What a caller supplies to store a version. */
export type NewVersion = Omit<Version, 'id'>

export interface VersionStore {
  /** Stores a version of `doc` and returns it with its id; resolves once committed. */
  add(doc: string, version: NewVersion): Promise<VersionInfo>
  /**
   * Versions of `doc`, newest first, at most `limit`, all older than the
   * version `before` when given (for paging).
   */
  list(doc: string, options: { limit: number; before?: number }): Promise<VersionInfo[]>
  /** One version of `doc` with its content, or null when `doc` has no such version. */
  get(doc: string, id: number): Promise<Version | null>
  /**
   * Removes the automatic versions of `doc` that the store's retention
   * (server/versions/retention.ts) lets go at time `now`; resolves with how
   * many. Named and restore versions are never removed.
   */
  prune(doc: string, now: number): Promise<number>
}
