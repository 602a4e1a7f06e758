/**
 * Where things live inside a document's Y.Doc. Both sides use these names:
 * the editor to bind to them, the relay to read titles (and, later, to
 * render documents). Renaming one orphans existing content.
 */

/** The Y.XmlFragment holding the ProseMirror document (y-prosemirror). */
export const CONTENT_FRAGMENT = 'prosemirror'

/** The Y.Text holding the document's title. */
export const TITLE_TEXT = 'title'

/** Longest title the relay stores for listings. */
export const MAX_TITLE_LENGTH = 200
