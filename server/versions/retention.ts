/**
 * Which automatic versions to keep as they age. Named and restore versions
 * (and automatic ones someone labelled) are always kept; automatic ones are
 * thinned: all of them while young, then the newest of each day, then the
 * newest of each week. Days and weeks are fixed slices of time since the
 * epoch (UTC), not counted back from now, so a version kept for its day stays
 * the one kept for its week as it ages, and pruning twice removes nothing more.
 * Nothing is removed that is the newest in its slice, so the newest version
 * of a document always stays.
 */

export interface Retention {
  /** Automatic versions younger than this are all kept. */
  keepAllMs: number
  /** ... then one a day until this age; one a week beyond. */
  keepDailyMs: number
}

/** Keeps everything (a version store given no retention). */
export const KEEP_EVERYTHING: Retention = { keepAllMs: Number.POSITIVE_INFINITY, keepDailyMs: Number.POSITIVE_INFINITY }

const HOUR = 3_600_000
const DAY = 24 * HOUR
const WEEK = 7 * DAY

/** The retention the settings ask for (hours of all, days of dailies). */
export function retention(keepAllHours: number, keepDailyDays: number): Retention {
  return { keepAllMs: keepAllHours * HOUR, keepDailyMs: keepDailyDays * DAY }
}

/**
 * The ids among `versions` (a document's unlabelled automatic versions) that
 * `retention` lets go at time `now`.
 */
export function expired(versions: Array<{ id: number; createdAt: number }>, now: number, retention: Retention): number[] {
  const newestFirst = [...versions].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
  const slices = new Set<string>()
  const drop: number[] = []
  for (const v of newestFirst) {
    const age = now - v.createdAt
    if (age < retention.keepAllMs) continue
    const slice = age < retention.keepDailyMs ? `day ${Math.floor(v.createdAt / DAY)}` : `week ${Math.floor(v.createdAt / WEEK)}`
    if (slices.has(slice)) drop.push(v.id)
    else slices.add(slice)
  }
  return drop
}
