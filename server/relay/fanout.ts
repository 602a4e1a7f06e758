/**
 * The seam between a room and other relays serving the same document. A lone
 * relay uses `noFanout`, which does nothing; `server/fanout/redis.ts` shares
 * edits and presence over Redis. The room only ever calls the four methods
 * below, so it neither knows nor cares which one it has.
 */
import type { Room } from './room.js'

/**
 * Origin of changes that came from another relay. The room relays them to its
 * own peers but neither stores them (the other relay already committed them)
 * nor publishes them back.
 */
export const REMOTE = Symbol('another relay')

/** One room's connection to the other relays. */
export interface RoomFanout {
  /** Settles once changes from other relays are being received: load the document only then, so none falls in between. */
  readonly ready: Promise<void>
  /** The room is loaded: start applying other relays' changes to it. */
  attach(room: Room): void
  /** An update this relay accepted, called once it is committed. */
  update(update: Uint8Array): void
  /** An awareness change made by this relay's own peers. */
  awareness(update: Uint8Array): void
  /**
   * When this relay may lack updates other relays committed (it is cut off
   * from them, or catching up), settles once it has read them from the store;
   * null when it is in step with them. A sync reply waits for it.
   */
  catchingUp(): Promise<void> | null
  /** This relay is deleting the document: the others close its clients (DOC_DELETED) and drop it. */
  deleted(): void
  /** The room left memory. */
  close(): void
}

/** Hands out one RoomFanout per document in memory. */
export interface Fanout {
  join(name: string): RoomFanout
  close(): Promise<void>
}

const alone: RoomFanout = {
  ready: Promise.resolve(),
  attach: () => undefined,
  update: () => undefined,
  awareness: () => undefined,
  catchingUp: () => null,
  deleted: () => undefined,
  close: () => undefined,
}

/** A single relay: nothing to share with. */
export const noFanout: Fanout = {
  join: () => alone,
  close: async () => undefined,
}
