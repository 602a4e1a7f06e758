/**
 * Renaming and deleting documents, from the document list.
 *
 * A rename is an ordinary collaborative edit of the title text, made through
 * the document's room: open editors see it live, and it is committed, listed
 * and versioned like anyone's edit.
 *
 * A delete closes the document's sockets with DOC_DELETED, drops it from
 * memory and removes its log, its listing and its versions from the store.
 * Versions are not recorded meanwhile, and the document is not loaded again
 * until the store has removed it, so nothing in flight writes it back.
 */
import * as Y from 'yjs'
import type { Rooms } from '../relay/rooms.js'
import type { DocStore } from '../store/store.js'
import type { EditOrigin, History } from '../versions/history.js'
import { CloseCode } from '../../shared/protocol.js'
import { MAX_TITLE_LENGTH } from '../../shared/docmodel.js'
import { HttpError } from './http-util.js'

export interface ManageOptions {
  rooms: Rooms
  store: DocStore
  history: History | null
}

/** Sets the title of `name` to `title` as `by`'s edit; resolves once it is committed. */
export async function renameDoc(options: ManageOptions, name: string, title: string, by: string): Promise<string> {
  if (title.length > MAX_TITLE_LENGTH) throw new HttpError(400, `title must be at most ${MAX_TITLE_LENGTH} characters`)
  if (/[\u0000-\u001f\u007f]/.test(title)) throw new HttpError(400, 'title must not contain control characters')
  // Loaded on first use: restore.ts brings y-prosemirror, memory a relay need not hold from the start.
  const { retitle } = await import('../versions/restore.js')
  const room = await options.rooms.open(name)
  // Opening a name nobody wrote gives an empty document: renaming must not create one.
  if (isEmpty(room.doc)) throw new HttpError(404, `no document "${name}"`)
  const origin: EditOrigin = { editedBy: by }
  retitle(room.doc, title, origin)
  await room.settled()
  return room.title()
}

/** Deletes `name` everywhere (memory, sockets, store); 404 when it does not exist. */
export async function deleteDoc(options: ManageOptions, name: string): Promise<void> {
  const loaded = options.rooms.loaded(name)
  // A room in memory may hold nothing (someone opened a new name and left).
  const exists = (loaded && !loaded.destroyed && !isEmpty(loaded.doc)) || (await options.store.load(name)).length > 0
  if (!exists) throw new HttpError(404, `no document "${name}"`)
  const resume = await options.history?.suspend(name)
  try {
    await options.rooms.delete(name, CloseCode.DOC_DELETED, () => options.store.delete(name))
  } finally {
    resume?.()
  }
}

/** True for a document nobody ever wrote to. */
function isEmpty(doc: Y.Doc): boolean {
  return doc.store.clients.size === 0
}
