/**
 * A document's current content, for reads over HTTP (export, naming a
 * version): the relay's in-memory copy when the document is open, which holds
 * every edit peers have seen, else a fresh read of the store.
 */
import * as Y from 'yjs'
import type { Rooms } from './rooms.js'
import type { DocStore } from '../store/store.js'

/** A Y.Doc to read (and then destroy), or null when the document does not exist. */
export interface CurrentDoc {
  doc: Y.Doc
  /** Frees the copy; a no-op for the live room's doc, which must stay. */
  release(): void
}

/** Reads `name` from its room if loaded, else from `store`; null when it was never written. */
export async function currentDoc(rooms: Rooms, store: DocStore, name: string): Promise<CurrentDoc | null> {
  const room = rooms.loaded(name)
  if (room && !room.destroyed) return { doc: room.doc, release: () => undefined }
  const updates = await store.load(name)
  if (updates.length === 0) return null
  const doc = new Y.Doc()
  doc.transact(() => {
    for (const update of updates) Y.applyUpdate(doc, update)
  })
  return { doc, release: () => doc.destroy() }
}
