/**
 * The storage interface for document versions: named or automatic snapshots
 * of a whole document, kept apart from the DocStore so that each backend can
 * add them on its own (SQLite, PostgreSQL). The relay never sees SQL.
 *
 * A version is stored either as a full Yjs state or as a delta on an earlier
 * version of the same document (its base): what the document gained since
 * then, `Y.encodeStateAsUpdate(doc, baseStateVector)`. Encoding and writing
 * the whole state of a large document took the relay's thread ~10 ms per
 * version; a delta takes a fraction of a millisecond (bench/README.md, fifth
 * round). A version the retention lets go but a kept version still builds on
 * is hidden (never listed or read by id) until nothing needs it; see
 * server/versions/chain.ts.
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

/** A version with its content. */
export interface Version extends VersionInfo {
  /**
   * Yjs updates, oldest first: a full state, then the deltas of the versions
   * built on it up to this one. Applied in order to an empty Y.Doc they give
   * the document as it was (server/render/ydoc.ts `docFromState`).
   */
  updates: Uint8Array[]
}

/** What a caller supplies to store a version. */
export interface NewVersion extends Omit<VersionInfo, 'id'> {
  /** The whole document (`Y.encodeStateAsUpdate(doc)`), or with `base` what it gained since that version. */
  state: Uint8Array
  /** The id of the version `state` is a delta on; absent for a full state. */
  base?: number
}

/** Thrown by `add` when the base of a delta is no longer stored: store the full state instead. */
export class MissingBase extends Error {
  constructor(doc: string, base: number) {
    super(`version ${base} of "${doc}" is no longer stored`)
    this.name = 'MissingBase'
  }
}

export interface VersionStore {
  /**
   * Stores a version of `doc` and returns it with its id; resolves once
   * committed. Rejects with MissingBase when `version.base` is gone.
   */
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
   * many. Named and restore versions are never removed. A removed version
   * that a kept one builds on stays hidden until nothing needs it.
   */
  prune(doc: string, now: number): Promise<number>
}
