/**
 * Versions stored as deltas (server/store/versions.ts) form chains: each
 * delta names its base, back to a full state. Thinning must not break a
 * chain, and folding a removed version into the next one would mean merging
 * whole states on the relay's thread (Y.mergeUpdates of a 322 KiB state took
 * tens of milliseconds). So a version the retention lets go is hidden instead,
 * and its row is deleted once no visible version reaches it through its bases.
 * How long a chain grows is the relay's choice (server/versions/history.ts).
 */

/** A stored version as far as chains are concerned. */
export interface ChainRow {
  id: number
  /** The version this one is a delta on; null for a full state. */
  base: number | null
  hidden: boolean
}

/** The ids of hidden versions that no visible version builds on: their rows can go. */
export function unneeded(rows: ChainRow[]): number[] {
  const byId = new Map(rows.map((row) => [row.id, row]))
  const needed = new Set<number>()
  for (const row of rows) {
    if (row.hidden) continue
    // Walk back to the full state, stopping at a part of the chain already marked.
    for (let base = row.base; base !== null && !needed.has(base); base = byId.get(base)?.base ?? null) needed.add(base)
  }
  return rows.filter((row) => row.hidden && !needed.has(row.id)).map((row) => row.id)
}
